"""Walks a repository's tree listing with Python requests as huggingface_hub does (the Link header's rel="next" URL,
followed verbatim), asks paths-info (form-encoded, as huggingface_hub sends it), and asks for a Xet read token, against
the endpoint given (the gateway's /huggingface route). Prints one JSON line: every URL fetched, the entries, the
paths-info entries, and the token endpoint's status and body.

Usage: python3 walk_tree.py <endpoint> <token> <repo>
"""
import json
import sys

import requests

endpoint, token, repo = sys.argv[1:4]
headers = {"Authorization": f"Bearer {token}"}
session = requests.Session()
urls, entries = [], []
url = f"{endpoint}/api/models/{repo}/tree/main?recursive=True&expand=True"
while url:
    urls.append(url)
    response = session.get(url, headers=headers, allow_redirects=False, timeout=30)
    response.raise_for_status()
    entries.extend(response.json())
    url = response.links.get("next", {}).get("url")

info_url = f"{endpoint}/api/models/{repo}/paths-info/main"
urls.append(info_url)
infos = session.post(info_url, headers=headers, data={"paths": [entries[0]["path"]], "expand": True}, timeout=30)
infos.raise_for_status()

token_url = f"{endpoint}/api/models/{repo}/xet-read-token/main"
urls.append(token_url)
xet = session.get(token_url, headers=headers, allow_redirects=False, timeout=30)
print(json.dumps({"urls": urls, "entries": entries, "infos": infos.json(), "tokenStatus": xet.status_code, "tokenBody": xet.text}))
