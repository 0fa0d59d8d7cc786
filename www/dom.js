// @ts-check
// The page's element lookup: index.html is the contract, so an element
// that is missing or of another kind fails here, by id, not as a null later.
// And the one way the page hands a file to the browser.

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

/**
 * Hands bytes to the browser as a file download.
 * @param {BlobPart} bytes
 * @param {string} name
 * @param {string} type
 */
export function save(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later, not at once: the browser reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
