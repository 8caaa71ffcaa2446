import { MetricTypes } from "moleculer";

type Labels = Record<string, unknown> | null | undefined;
type Item = Record<string, unknown> & {
	value: number;
	timestamp: number;
	rate?: { update(v: number): void };
};
type HistogramItem = Record<string, unknown> & {
	timestamp: number;
	sum: number;
	count: number;
	lastValue: number | null;
	/** Moleculer's bucket counts keyed by bound: read when the item is made, stale after. */
	bucketValues?: Record<number, number>;
	/** The cumulative count of each bucket, by its index. */
	counts?: number[];
	quantileValues?: { add(value: number): void; snapshot(): object };
	rate?: { update(v: number): void; rate: number };
	labels: Record<string, unknown>;
};

/** Moleculer's label key (base.js hashingLabels), built without an array and its join. */
function labelKey(labelNames: readonly string[], labels: Labels): string {
	if (labelNames.length === 0 || labels == null || typeof labels !== "object") return "";
	let key = "";
	for (let i = 0; i < labelNames.length; i++) {
		if (i > 0) key += "|";
		const value = labels[labelNames[i]];
		if (typeof value === "number" || typeof value === "boolean") key += String(value);
		else if (typeof value === "string") key += `"${value}"`;
	}
	return key;
}

/**
 * Gauges and counters as Moleculer's, labels keyed once per change: Moleculer's increment looks the item up
 * and then sets it, hashing the labels each time (every action call changes three of them).
 */
function keyedOnce(Base: typeof MetricTypes.Gauge): typeof MetricTypes.Gauge {
	return class KeyedOnce extends Base {
		override hashingLabels(labels?: Labels): string {
			return labelKey(this.labelNames, labels);
		}

		override increment(labels?: Labels, value = 1, timestamp?: number): void {
			this.add(this.hashingLabels(labels), labels, value, timestamp);
		}

		/** increment, of the series whose labels have that key. */
		add(key: string, labels: Labels, value: number, timestamp?: number): void {
			const item = this.values.get(key) as Item | undefined;
			if (item === undefined) super.set(value, labels ?? undefined, timestamp);
			else this.update(item, item.value + value, labels, timestamp);
		}

		override set(value: number, labels?: Labels, timestamp?: number): void {
			const item = this.values.get(this.hashingLabels(labels)) as Item | undefined;
			if (item === undefined) super.set(value, labels ?? undefined, timestamp);
			else this.update(item, value, labels, timestamp);
		}

		/** Moleculer's set (gauge.js) of an item that exists. */
		update(item: Item, value: number, labels: Labels, timestamp: number | undefined): void {
			if (item.value === value) return;
			item.value = value;
			item.timestamp = timestamp ?? Date.now();
			item.rate?.update(value);
			this.changed(value, labels ?? undefined, timestamp);
		}
	};
}

class Gauge extends keyedOnce(MetricTypes.Gauge) {
	override decrement(labels?: Labels, value = 1, timestamp?: number): void {
		this.increment(labels ?? undefined, -value, timestamp);
	}
}

class Counter extends keyedOnce(MetricTypes.Counter) {}

/**
 * Moleculer's histogram, counting each observation in an array by bucket index: Moleculer's keys an object by
 * each bound, and turns a fractional bound such as 0.005 into a string for every bucket of every observation.
 */
class Histogram extends MetricTypes.Histogram {
	override hashingLabels(labels?: Labels): string {
		return labelKey(this.labelNames, labels);
	}

	override observe(value: number, labels?: Labels, timestamp?: number): void {
		this.observeKeyed(this.hashingLabels(labels), labels, value, timestamp);
	}

	/** observe, of the series whose labels have that key. */
	observeKeyed(key: string, labels: Labels, value: number, timestamp?: number): void {
		const item = this.values.get(key) as HistogramItem | undefined;
		if (item?.counts === undefined) {
			// Moleculer's own observe makes the item (its labels, its quantiles, its rate), counted from then on here.
			super.observe(value, labels ?? undefined, timestamp);
			const made = this.values.get(key) as HistogramItem;
			const bounds = made.bucketValues;
			made.counts = bounds === undefined ? [] : this.buckets.map((bound) => bounds[bound]);
			return;
		}
		item.timestamp = timestamp ?? Date.now();
		item.sum += value;
		item.count++;
		item.lastValue = value;
		const { buckets } = this;
		if (buckets !== undefined) {
			const { counts } = item;
			for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]) counts[i]++;
		}
		item.quantileValues?.add(value);
		item.rate?.update(item.count);
		this.changed(value, labels ?? undefined, timestamp);
	}

	override resetItem(item: Record<string, unknown>, timestamp?: number) {
		const reset = super.resetItem(item, timestamp) as HistogramItem;
		reset.counts?.fill(0);
		return reset;
	}

	override generateItemSnapshot(item: HistogramItem, key: string) {
		const { counts } = item;
		if (counts === undefined || item.bucketValues === undefined) return super.generateItemSnapshot(item, key);
		const bucketValues: Record<number, number> = {};
		for (let i = 0; i < this.buckets.length; i++) bucketValues[this.buckets[i]] = counts[i];
		return super.generateItemSnapshot({ ...item, bucketValues }, key);
	}
}

/** What the platform's metric types add to Moleculer's: a change of a series whose label key is known. */
export interface KeyedMetric {
	hashingLabels(labels: Labels): string;
	add(key: string, labels: Labels, value: number): void;
	observeKeyed(key: string, labels: Labels, value: number): void;
}

/**
 * Moleculer's metric types with cheaper recording and the same values and snapshots; registered before any
 * broker is made, so that every metric (Moleculer's per action call and cache get, the gateway's per request)
 * is of these types.
 */
export function registerMetricTypes(): void {
	MetricTypes.register("Gauge", Gauge as never);
	MetricTypes.register("Counter", Counter as never);
	MetricTypes.register("Histogram", Histogram as never);
}
