/** Vehicle rules that need no broker or database. */

export const SIZE_CLASSES = ["small", "medium", "large", "van"] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];

/** "ab-12 cd" and "AB12CD" are the same plate: upper case, no spaces or dashes. */
export function normalisePlate(plate: string): string {
	return plate.replace(/[\s-]+/g, "").toUpperCase();
}

export const PLATE_PATTERN = /^[A-Z0-9]{1,12}$/;
