/** The catalog a fresh embedded platform starts with (prices in euro cents); the demo cleaners have these skills. */
export const DEMO_CATALOG = [
	{
		code: "exterior-wash",
		name: "Exterior wash",
		description: "Hand wash, rims and windows.",
		currency: "EUR",
		durationsMinutes: { small: 30, medium: 45, large: 60, van: 75 },
		pricesMinor: { small: 2500, medium: 3000, large: 3500, van: 4500 },
	},
	{
		code: "interior-clean",
		name: "Interior clean",
		description: "Vacuum, dashboard, upholstery spot clean.",
		currency: "EUR",
		durationsMinutes: { small: 45, medium: 60, large: 75, van: 90 },
		pricesMinor: { small: 3500, medium: 4000, large: 5000, van: 6000 },
	},
	{
		code: "full-valet",
		name: "Full valet",
		description: "Exterior wash and interior clean, with wax.",
		currency: "EUR",
		durationsMinutes: { small: 90, medium: 120, large: 150, van: 180 },
		pricesMinor: { small: 7500, medium: 9000, large: 11000, van: 13000 },
	},
	{
		code: "ceramic-coating",
		name: "Ceramic coating",
		description: "Paint decontamination and a ceramic protective coat.",
		currency: "EUR",
		durationsMinutes: { small: 180, medium: 210, large: 240, van: 300 },
		pricesMinor: { small: 25000, medium: 30000, large: 35000, van: 45000 },
	},
];
