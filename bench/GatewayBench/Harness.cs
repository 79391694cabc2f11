using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GatewayBench;

internal sealed record BenchSettings(int Seconds, int Concurrency, string? Redis)
{
    public static BenchSettings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new BenchSettings(
            int.Parse(Value("--seconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Value("--concurrency") ?? "32", System.Globalization.CultureInfo.InvariantCulture),
            Value("--redis"));
    }

    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Proxy.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Proxy.sln not found");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fast in-process model host on loopback: HEAD-able model files and a 1 MiB blob with Range support.</summary>
internal sealed class Upstream : IAsyncDisposable
{
    private static readonly byte[] Blob = RandomBlob();
    private static readonly byte[] Model = SafeTensors();

    private readonly WebApplication _app;

    private Upstream(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public Uri Url(string path) => new(BaseUri, path);

    public static async Task<Upstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        // A real safetensors file (header + data), so the gateway's content check reads and verifies real bytes.
        app.MapMethods("/files/{name}", ["GET", "HEAD"], (string name) =>
            Results.Bytes(Model, "application/octet-stream", enableRangeProcessing: true));
        app.MapGet("/blob/1m", () => Results.Bytes(Blob, "application/octet-stream", enableRangeProcessing: true));
        await app.StartAsync();
        return new Upstream(app, new Uri(app.Urls.First() + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static byte[] SafeTensors()
    {
        var header = System.Text.Encoding.UTF8.GetBytes(
            "{\"__metadata__\":{\"modelspec.title\":\"Bench Model\"},\"w\":{\"dtype\":\"F16\",\"shape\":[1024],\"data_offsets\":[0,2048]}}");
        var file = new byte[8 + header.Length + 2048];
        BitConverter.TryWriteBytes(file.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(file, 8);
        return file;
    }

    private static byte[] RandomBlob()
    {
        var bytes = new byte[1024 * 1024];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>The built gateway as a child process, killed when disposed.</summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process) => _process = process;

    public static GatewayProcess Start(string dll, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("the gateway did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[gateway] {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[gateway] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new GatewayProcess(process);
    }

    public static async Task WaitUntilReadyAsync(Uri gateway)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if ((await client.GetAsync(new Uri(gateway, "healthz"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the gateway did not become healthy within 30 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}

internal sealed record ScenarioResult(string Name, long Requests, long Errors, double RequestsPerSecond, double P50, double P95, double P99);

/// <summary>Closed-loop load: N workers, each sending its next request when the previous one finished, for a fixed time.</summary>
internal static class Load
{
    public static async Task<ScenarioResult> RunAsync(string name, BenchSettings settings, HttpClient client, Func<long, Uri> url, bool warmUp = false)
    {
        if (warmUp)
        {
            using var first = await client.GetAsync(url(0));
            first.EnsureSuccessStatusCode();
        }
        long counter = 0;
        long errors = 0;
        var latencies = new List<double>[settings.Concurrency];
        var clock = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        var workers = Enumerable.Range(0, settings.Concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(capacity: 100_000);
            var buffer = new byte[81920];
            while (clock.Elapsed < duration)
            {
                var n = Interlocked.Increment(ref counter);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(url(n), HttpCompletionOption.ResponseHeadersRead);
                    await using var body = await response.Content.ReadAsStreamAsync();
                    while (await body.ReadAsync(buffer) > 0)
                    {
                    }
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
        return new ScenarioResult(name, all.Length, errors, all.Length / elapsed, Percentile(0.50), Percentile(0.95), Percentile(0.99));
    }
}
