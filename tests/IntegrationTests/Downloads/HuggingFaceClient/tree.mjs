// Walks a repository's tree listing with @huggingface/hub as an application would (listFiles follows the Link header's
// rel="next" page by page), asks paths-info for the first file, and asks for a Xet read token, all against the hub URL
// given (the gateway's /huggingface route). Prints one JSON line: every URL the client fetched, the entries it got,
// the paths-info entries, and the token endpoint's status and body.
// Usage: node tree.mjs <hubUrl> <accessToken> <repo>
import { listFiles, pathsInfo } from "@huggingface/hub";

const [hubUrl, accessToken, repo] = process.argv.slice(2);
const urls = [];
const recordingFetch = (url, init) => {
  urls.push(String(url));
  return fetch(url, init);
};
const entries = [];
for await (const entry of listFiles({ repo, recursive: true, expand: true, hubUrl, accessToken, fetch: recordingFetch })) {
  entries.push(entry);
}
const infos = await pathsInfo({ repo, paths: [entries[0].path], expand: true, hubUrl, accessToken, fetch: recordingFetch });
const token = await recordingFetch(`${hubUrl}/api/models/${repo}/xet-read-token/main`, {
  headers: { Authorization: `Bearer ${accessToken}` },
});
console.log(JSON.stringify({ urls, entries, infos, tokenStatus: token.status, tokenBody: await token.text() }));
