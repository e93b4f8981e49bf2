// Text of a PDF as Firefox's pdf.js gives it back, for tests/readers/__init__.py.
//
//   node pdfjs_text.mjs FILE.pdf [--struct]
//
// Prints one JSON object: {"pages": [text, ...]} and, with --struct, "struct": [tree, ...].
//
// Page text is what a Firefox user copies after "select all" on the page: the text layer is one
// <span> per text item with a <br> after items marked hasEOL, so the copy is the items' strings
// joined with nothing between them and "\n" where hasEOL; Firefox's copy handler and its find bar
// then apply pdf.js's normalizeUnicode (NFKC of compatibility characters such as presentation
// forms and ligatures). getTextContent is called as the text layer calls it
// (includeMarkedContent), so marked content also gives us the text behind each MCID, which is
// how a struct tree "content" leaf is resolved to the text a screen reader would be handed.
// All pages go through one process: starting node and loading pdf.js is the slow part.

import { readFile } from "node:fs/promises";
import { getDocument, normalizeUnicode, VerbosityLevel } from "pdfjs-dist/legacy/build/pdf.mjs";

const [file, ...flags] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node pdfjs_text.mjs FILE.pdf [--struct]\n");
  process.exit(2);
}
const wantStruct = flags.includes("--struct");

const data = new Uint8Array(await readFile(file));
const pdf = await getDocument({
  data,
  verbosity: VerbosityLevel.ERRORS,
  isEvalSupported: false,
  useSystemFonts: false,
  disableFontFace: true,
}).promise;

// Attach the text of each marked-content id to the struct tree's "content" leaves.
function resolve(node, textById) {
  if (!node) return node;
  if (node.type === "content") {
    return { ...node, text: normalizeUnicode(textById.get(node.id) ?? "") };
  }
  if (node.children) {
    return { ...node, children: node.children.map((kid) => resolve(kid, textById)) };
  }
  return node;
}

const pages = [];
const struct = [];
for (let number = 1; number <= pdf.numPages; number++) {
  const page = await pdf.getPage(number);
  const content = await page.getTextContent({ includeMarkedContent: true,
                                              disableNormalization: true });
  let text = "";
  const open = []; // marked-content ids (null for sequences without MCID), innermost last
  const textById = new Map();
  for (const item of content.items) {
    if (item.type === "beginMarkedContent" || item.type === "beginMarkedContentProps") {
      open.push(item.id ?? null);
      continue;
    }
    if (item.type === "endMarkedContent") {
      open.pop();
      continue;
    }
    const piece = item.str + (item.hasEOL ? "\n" : "");
    text += piece;
    for (const id of open) {
      if (id !== null) textById.set(id, (textById.get(id) ?? "") + piece);
    }
  }
  pages.push(normalizeUnicode(text));
  if (wantStruct) struct.push(resolve(await page.getStructTree(), textById));
  page.cleanup();
}
await pdf.destroy();
process.stdout.write(JSON.stringify(wantStruct ? { pages, struct } : { pages }));
