using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GatewayBench;

// Usage: dotnet run -c Release --project bench/GatewayBench -- [--seconds 10] [--concurrency 32] [--redis host:port]
var settings = BenchSettings.Parse(args);
var repoRoot = BenchSettings.FindRepositoryRoot();
var gatewayDll = Path.Combine(repoRoot, "proxy", "bin", "Release", "net10.0", "ModelGateway.dll");
if (!File.Exists(gatewayDll))
{
    Console.Error.WriteLine($"Build the gateway first: dotnet build -c Release proxy  (missing {gatewayDll})");
    return 2;
}

await using var upstream = await Upstream.StartAsync();
const string apiKey = "bench-key";
var gatewayPort = BenchSettings.FreePort();
var environment = new Dictionary<string, string>
{
    ["ASPNETCORE_ENVIRONMENT"] = "Production",
    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{gatewayPort}",
    ["Logging__LogLevel__Default"] = "Warning",
    ["ApiKeys__0__Name"] = "bench",
    ["ApiKeys__0__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey))),
    ["ApiKeys__0__PermitLimit"] = "100000000",
    // One key drives every cold lookup: its probe budget must not refuse any (the bench measures work, not refusals).
    ["Probes__MaxConcurrentPerKey"] = "10000",
    ["Probes__MaxConcurrent"] = "10000",
    ["Egress__AllowPrivateNetworks"] = "true",
    ["Policy__AllowedFormats__0"] = "SafeTensor",
    ["ReverseProxy__Routes__bench__ClusterId"] = "bench",
    ["ReverseProxy__Routes__bench__AuthorizationPolicy"] = "ApiKey",
    ["ReverseProxy__Routes__bench__Match__Path"] = "/bench/{**rest}",
    ["ReverseProxy__Routes__bench__Transforms__0__PathRemovePrefix"] = "/bench",
    ["ReverseProxy__Clusters__bench__Destinations__d1__Address"] = upstream.BaseUri.AbsoluteUri,
    ["ConnectionStrings__Redis"] = settings.Redis ?? string.Empty,
};

using var gateway = GatewayProcess.Start(gatewayDll, repoRoot, environment);
var gatewayUri = new Uri($"http://127.0.0.1:{gatewayPort}/");
await GatewayProcess.WaitUntilReadyAsync(gatewayUri);

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency * 2, UseProxy = false };
using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
client.DefaultRequestHeaders.Add("X-API-Key", apiKey);

var fileUrl = Uri.EscapeDataString(upstream.Url("files/model.safetensors").AbsoluteUri);
var results = new List<ScenarioResult>
{
    await Load.RunAsync("metadata, warm (cached facts)", settings, client,
        _ => new Uri(gatewayUri, $"api/assets/remote-metadata?url={fileUrl}"), warmUp: true),
    await Load.RunAsync("metadata, cold (unique URL: one Range GET, content check included)", settings, client,
        i => new Uri(gatewayUri, $"api/assets/remote-metadata?url={Uri.EscapeDataString(upstream.Url($"files/m{i}.safetensors").AbsoluteUri)}")),
    await Load.RunAsync("direct upstream GET 1 MiB (baseline)", settings, client,
        _ => upstream.Url("blob/1m")),
    await Load.RunAsync("forwarded GET 1 MiB through YARP", settings, client,
        _ => new Uri(gatewayUri, "bench/blob/1m")),
};

Console.WriteLine();
Console.WriteLine($"{Environment.ProcessorCount} cores, concurrency {settings.Concurrency}, {settings.Seconds} s per scenario, " +
    $"Redis: {(settings.Redis is null ? "none (in-memory)" : settings.Redis)}, .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| scenario | requests | errors | req/s | p50 ms | p95 ms | p99 ms |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Name} | {r.Requests} | {r.Errors} | {r.RequestsPerSecond:0} | {r.P50:0.00} | {r.P95:0.00} | {r.P99:0.00} |"));
}
return results.Any(r => r.Errors > 0) ? 1 : 0;
