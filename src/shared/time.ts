/** Today's date in Jakarta (WIB, UTC+7): MoU windows, ages and date ranges are calendar dates there. */
export const todayInJakarta = (now = new Date()): string => new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
