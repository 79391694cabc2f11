namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// How each real client is pointed at the forward proxy, as its documentation tells users: curl and wget by
/// <c>https_proxy</c> and a CA file option, aria2c by <c>--all-proxy</c> and <c>--ca-certificate</c>, Debian's Python
/// <c>requests</c> (<c>REQUESTS_CA_BUNDLE</c>), <c>httpx</c> and <c>aiohttp</c> (<c>trust_env</c>, <c>SSL_CERT_FILE</c>)
/// by the environment. Each exits 0 only on a 200 whose body it wrote to the output file.
/// </summary>
internal static class ProxyClients
{
    // Debian's interpreter, where python3-requests, -httpx and -aiohttp are installed (not a pyenv shim's).
    private const string Python = "/usr/bin/python3";

    private const string RequestsScript = """
        import sys, requests
        r = requests.get(sys.argv[1], timeout=60)
        print(r.status_code, r.text[:300] if r.status_code != 200 else "")
        if r.status_code != 200: sys.exit(3)
        open(sys.argv[2], "wb").write(r.content)
        """;

    private const string HttpxScript = """
        import sys, httpx
        with httpx.Client(timeout=60) as c:
            r = c.get(sys.argv[1])
        print(r.status_code, r.text[:300] if r.status_code != 200 else "")
        if r.status_code != 200: sys.exit(3)
        open(sys.argv[2], "wb").write(r.content)
        """;

    private const string AiohttpScript = """
        import sys, asyncio, aiohttp
        async def main():
            async with aiohttp.ClientSession(trust_env=True) as s:
                async with s.get(sys.argv[1], timeout=aiohttp.ClientTimeout(total=60)) as r:
                    body = await r.read()
                    print(r.status, body[:300] if r.status != 200 else "")
                    if r.status != 200: sys.exit(3)
                    open(sys.argv[2], "wb").write(body)
        asyncio.run(main())
        """;

    public static Task<ClientRun> RunAsync(string client, string url, string output, string proxyUrl, string caFile)
    {
        var proxyEnvironment = new Dictionary<string, string>
        {
            ["https_proxy"] = proxyUrl,
            ["http_proxy"] = proxyUrl,
            ["HTTPS_PROXY"] = proxyUrl,
            ["HTTP_PROXY"] = proxyUrl,
        };
        switch (client)
        {
            case "curl":
                return ClientRun.RunAsync("curl", ["--silent", "--show-error", "--fail", "--cacert", caFile, "--output", output, url], proxyEnvironment);
            case "wget":
                return ClientRun.RunAsync("wget", ["--quiet", "--tries=1", $"--ca-certificate={caFile}", "--output-document", output, url], proxyEnvironment);
            case "aria2c":
                return ClientRun.RunAsync("aria2c", ["--quiet=true", "--max-tries=1", $"--all-proxy={proxyUrl}", $"--ca-certificate={caFile}",
                    "--allow-overwrite=true", "--auto-file-renaming=false", "--dir", Path.GetDirectoryName(output)!, "--out", Path.GetFileName(output), url],
                    new Dictionary<string, string>());
            case "requests":
                return ClientRun.RunAsync(Python, ["-c", RequestsScript, url, output], With(proxyEnvironment, "REQUESTS_CA_BUNDLE", caFile));
            case "httpx":
                return ClientRun.RunAsync(Python, ["-c", HttpxScript, url, output], With(proxyEnvironment, "SSL_CERT_FILE", caFile));
            case "aiohttp":
                return ClientRun.RunAsync(Python, ["-c", AiohttpScript, url, output], With(proxyEnvironment, "SSL_CERT_FILE", caFile));
            default:
                throw new ArgumentOutOfRangeException(nameof(client), client, "Not a client these tests run.");
        }
    }

    private static Dictionary<string, string> With(Dictionary<string, string> environment, string name, string value) =>
        new(environment) { [name] = value };
}
