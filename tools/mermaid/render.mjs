// Renders Mermaid diagrams in one headless Chromium page, with no network: reads [{name, text}] as JSON on stdin and
// writes [{name, error}] as JSON on stdout (error null when the diagram renders). With a directory as the third
// argument, also draws each diagram that renders into <directory>/<name>.png.
//     node render.mjs NODE_MODULES CHROMIUM [PNG_DIRECTORY] < diagrams.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [modules, executablePath, pngDirectory] = process.argv.slice(2);
const { chromium } = createRequire(join(modules, "..", "package.json"))("playwright-core");
const diagrams = JSON.parse(readFileSync(0, "utf8"));
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 2 });
  await page.route("**/*", (route) => route.abort());
  await page.setContent("<!doctype html><html><body></body></html>");
  await page.addScriptTag({ path: join(modules, "mermaid", "dist", "mermaid.min.js") });
  const rendered = await page.evaluate(async (diagrams) => {
    globalThis.mermaid.initialize({ startOnLoad: false });
    const results = [];
    for (const [index, diagram] of diagrams.entries()) {
      try {
        const { svg } = await globalThis.mermaid.render(`diagram${index}`, diagram.text);
        results.push({ name: diagram.name, error: null, svg });
      } catch (error) {
        results.push({ name: diagram.name, error: String(error?.message ?? error) });
      }
    }
    return results;
  }, diagrams);
  if (pngDirectory) {
    for (const { name, svg } of rendered.filter((result) => result.error === null)) {
      await page.setContent(`<!doctype html><html><body style="margin:0;background:white">${svg}</body></html>`);
      await page.locator("svg").first().screenshot({ path: join(pngDirectory, `${name}.png`) });
    }
  }
  process.stdout.write(JSON.stringify(rendered.map(({ name, error }) => ({ name, error }))));
} finally {
  await browser.close();
}
