/** Vehicle rules that need no broker or database. */

/** "ab-12 cd" and "AB12CD" are the same plate: upper case, no spaces or dashes. */
export function normalisePlate(plate: string): string {
	return plate.replace(/[\s-]+/g, "").toUpperCase();
}

export const PLATE_PATTERN = /^[A-Z0-9]{1,12}$/;
