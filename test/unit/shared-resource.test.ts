import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sharedResources } from "../../lib/shared-resource.ts";

describe("resources shared by key (lib/shared-resource.ts)", () => {
	const tracked = () => {
		const opened: string[] = [];
		const closed: string[] = [];
		const hold = sharedResources<string, string>(async (resource) => {
			closed.push(resource);
		});
		const open = (key: string) => () => {
			const resource = `${key}#${opened.length + 1}`;
			opened.push(resource);
			return resource;
		};
		return { hold, open, opened, closed };
	};

	it("opens a key's resource for its first user only and closes it after its last user's release", async () => {
		const { hold, open, opened, closed } = tracked();
		const first = hold("db", open("db"));
		const second = hold("db", open("db"));
		const other = hold("other", open("other"));
		assert.equal(first.resource, second.resource);
		assert.deepEqual(opened, ["db#1", "other#2"]);
		await first.release();
		assert.deepEqual(closed, []);
		await second.release();
		assert.deepEqual(closed, ["db#1"]);
		await other.release();
		assert.deepEqual(closed, ["db#1", "other#2"]);
	});

	it("counts a user's repeated release once", async () => {
		const { hold, open, closed } = tracked();
		const first = hold("db", open("db"));
		const second = hold("db", open("db"));
		await first.release();
		await first.release();
		assert.deepEqual(closed, [], "the second user still holds it");
		await second.release();
		assert.deepEqual(closed, ["db#1"]);
	});

	it("opens a new resource for a key taken again after its close", async () => {
		const { hold, open, opened, closed } = tracked();
		await hold("db", open("db")).release();
		const again = hold("db", open("db"));
		assert.equal(again.resource, "db#2");
		assert.deepEqual(opened, ["db#1", "db#2"]);
		await again.release();
		assert.deepEqual(closed, ["db#1", "db#2"]);
	});
});
