// Downloads one file with @huggingface/hub as an application would, against the hub URL given (the gateway's
// /huggingface route), and prints what it got as one JSON line: size, sha256, and what fileDownloadInfo reported.
// Usage: node download.mjs <hubUrl> <accessToken> <repo> <path>
import { createHash } from "node:crypto";
import { downloadFile, fileDownloadInfo } from "@huggingface/hub";

const [hubUrl, accessToken, repo, path] = process.argv.slice(2);
const info = await fileDownloadInfo({ repo, path, hubUrl, accessToken });
const blob = await downloadFile({ repo, path, hubUrl, accessToken });
if (!info || !blob) {
  throw new Error(`${path} not found`);
}
const bytes = Buffer.from(await blob.arrayBuffer());
console.log(JSON.stringify({
  size: bytes.length,
  sha256: createHash("sha256").update(bytes).digest("hex"),
  infoSize: info.size,
  infoEtag: info.etag,
  xet: info.xet !== undefined,
}));
