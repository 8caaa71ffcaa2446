import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { entityTag, jsonAnswer } from "../../services/gateway/conditional.ts";

describe("jsonAnswer (the gateway's JSON body and its ETag)", () => {
	it("tags a body with the entityTag of that body, frozen or not, in whatever order answers are encoded", () => {
		const cached = Object.freeze({ id: "a", items: Object.freeze([1, 2]) });
		const fresh = { id: "b" };
		const body = '{"id":"a","items":[1,2]}';
		assert.equal(jsonAnswer(cached, false).tag, undefined);
		assert.deepEqual(jsonAnswer(fresh, true), { body: '{"id":"b"}', tag: entityTag('{"id":"b"}') });
		assert.deepEqual(jsonAnswer(cached, true), { body, tag: entityTag(body) });
		assert.deepEqual(jsonAnswer({ id: "b" }, false), { body: '{"id":"b"}' });
		assert.equal(jsonAnswer("text", true).tag, entityTag('"text"'));
	});

	it("works out a frozen answer's body and tag once", () => {
		const cached = Object.freeze({ id: "c" });
		assert.equal(jsonAnswer(cached, true), jsonAnswer(cached, true));
		assert.notEqual(jsonAnswer({ id: "c" }, true), jsonAnswer({ id: "c" }, true));
	});
});
