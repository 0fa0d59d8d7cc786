// @ts-check
// The page's names for the engine's columns and states: legends, tooltips, tiles and table
// captions say "Quick ratio" or "7-day active", while series, downloads and links keep the
// dictionary's column names (the definitions on hover still come from the dictionary).

/** Labels of the summary's columns, the states and the transitions, by column or value name. */
const LABELS = /** @type {Record<string, string>} */ ({
  period_start: 'Period', period_end: 'Period end', complete: 'Complete',
  active: 'Active', new: 'New', retained: 'Retained', reactivated: 'Reactivated', churned: 'Churned',
  dormant: 'Dormant', inactive: 'Inactive', total_users: 'Total users',
  retention_rate: 'Retention rate', churn_rate: 'Churn rate', reactivation_rate: 'Reactivation rate',
  quick_ratio: 'Quick ratio',
  new_to_retained: 'New → retained', new_to_inactive: 'New → churned',
  retained_to_retained: 'Retained → retained', retained_to_inactive: 'Retained → churned',
  reactivated_to_retained: 'Reactivated → retained', reactivated_to_inactive: 'Reactivated → churned',
  inactive_to_reactivated: 'Inactive → reactivated', inactive_to_inactive: 'Inactive → inactive (dormant)',
  date: 'Day', active_1d: 'Daily active', days_active: 'Days active', users: 'Users',
});

/** What the usual windows are called (DAU/WAU/MAU). */
const WINDOW_NAMES = /** @type {Record<number, string>} */ ({ 7: 'WAU', 28: 'MAU' });

/**
 * The page's label for a column (or a state, or a transition); a name it has none for is shown as is.
 * @param {string} name
 */
export function label(name) {
  const win = /^(active|stickiness|complete)_(\d+)d$/.exec(name);
  if (win && name !== 'active_1d') {
    const n = Number(win[2]);
    if (win[1] === 'active') return `${n}-day active${WINDOW_NAMES[n] ? ` (${WINDOW_NAMES[n]})` : ''}`;
    if (win[1] === 'stickiness') return `DAU/${WINDOW_NAMES[n] ?? `${n}-day active`}`;
    return `${n}-day window complete`;
  }
  return LABELS[name] ?? name;
}

/**
 * The windows of an activity table, shortest first, from its columns (`active_7d` → 7).
 * @param {string[]} columns
 */
export function windowsOf(columns) {
  return columns.map((c) => /^active_(\d+)d$/.exec(c)?.[1]).filter((n) => n && n !== '1').map(Number).sort((a, b) => a - b);
}
