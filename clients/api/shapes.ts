/** The generic shapes of the generated operation types (./operations.ts). */

/** One operation's path parameters, query, body, success status and answer. */
export interface Operation<PathParams, Query, Body, Status extends number, Response> {
	pathParams: PathParams;
	query: Query;
	body: Body;
	status: Status;
	response: Response;
}

/** A page of a list: the items, how many there are in all, and the window asked for. */
export interface Page<Item> {
	items: Item[];
	total: number;
	limit: number;
	offset: number;
}
