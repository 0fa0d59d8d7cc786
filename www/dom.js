// @ts-check
// The page's element lookup: index.html is the contract, so an element
// that is missing or of another kind fails here, by id, not as a null later.

/**
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} id
 * @param {{ new (): E, prototype: E }} [kind]  e.g. HTMLSelectElement
 * @returns {E}
 */
export function $(id, kind) {
  const el = document.getElementById(id);
  if (!el || (kind && !(el instanceof kind))) throw new Error(`index.html has no ${kind ? kind.name : 'element'} #${id}`);
  return /** @type {E} */ (el);
}
