// The one element builder of the pages drawn by script (the judges' tablet, the theory test).
"use strict";
/** An element with attributes (false, null and undefined leave one out; true sets it empty) and
 * children (null, undefined and false left out). */
window.el = function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value; else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
};
