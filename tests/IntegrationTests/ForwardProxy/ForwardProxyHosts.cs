using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.Egress;
using ModelGateway.ForwardProxy;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Security;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using ModelGateway.IntegrationTests.Sources.HuggingFace;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>
/// The fake CivitAI and Hugging Face (APIs, storage and CDN on other origins), a plain HTTP host to tunnel to, a CA made
/// by the gateway's own <c>create-ca</c>, and a gateway on loopback whose forward-proxy listener is on with the sources'
/// public names (<c>civitai.com</c>, <c>huggingface.co</c>) intercepted and served from the fakes — a client asks the
/// proxy for the real names, exactly as configured at a site, and nothing leaves this machine. Tunnel hosts resolve to
/// loopback through the test resolver only.
/// </summary>
public sealed class ForwardProxyHosts : IAsyncLifetime
{
    public const string TunnelHost = "tunnel.test";

    private readonly string _caDirectory = Path.Combine(Path.GetTempPath(), "gw-proxy-ca-" + Guid.NewGuid().ToString("N"));
    private WebApplicationFactory<Program>? _gateway;

    public DownloadHosts Models { get; } = new();

    public FakeCivitAi CivitAi => Models.CivitAi;

    public FakeHuggingFace HuggingFace => Models.HuggingFace;

    /// <summary>A plain HTTP host, named <see cref="TunnelHost"/> through the proxy.</summary>
    public FakeHost Tunnel { get; private set; } = null!;

    public FakeLogCollector Logs { get; } = new();

    public string CaFile => Path.Combine(_caDirectory, ProxyCertificateAuthority.CertificateFileName);

    public Uri GatewayAddress { get; private set; } = null!;

    public int ProxyPort { get; private set; }

    public IServiceProvider Services => _gateway!.Services;

    public async Task InitializeAsync()
    {
        await Models.InitializeAsync();
        Tunnel = await FakeHost.StartAsync((app, _) => app.MapGet("/hello", () => "tunnelled hello"));
        ProxyCertificateAuthority.CreateFiles(_caDirectory, DateTimeOffset.UtcNow);
        (_gateway, GatewayAddress, ProxyPort) = Start(Settings(), new LoopbackResolver(new() { [TunnelHost] = [IPAddress.Loopback] }), new FakeLoggerProvider(Logs));
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        await Tunnel.DisposeAsync();
        await Models.DisposeAsync();
        Directory.Delete(_caDirectory, recursive: true);
    }

    /// <summary>The download hosts' settings, the proxy on a free loopback port with this CA, the tunnel host listed.</summary>
    public Dictionary<string, string?> Settings()
    {
        var settings = Models.Settings();
        settings["ForwardProxy:Url"] = "http://127.0.0.1:0";
        settings["ForwardProxy:CaCertificate"] = CaFile;
        settings["ForwardProxy:CaKey"] = Path.Combine(_caDirectory, ProxyCertificateAuthority.KeyFileName);
        settings["ForwardProxy:TunnelHosts:0"] = TunnelHost;
        settings["ForwardProxy:TunnelHosts:1"] = "intranet.test";
        settings["ForwardProxy:TunnelHosts:2"] = "*.xethub.hf.co";
        settings["Downloads:IdleTimeoutSeconds"] = "30";
        return settings;
    }

    /// <summary>A gateway with <paramref name="settings"/> and <paramref name="resolver"/> on loopback: it, its address, its proxy's port.</summary>
    public static (WebApplicationFactory<Program> Gateway, Uri Address, int ProxyPort) Start(
        Dictionary<string, string?> settings, IEgressResolver resolver, Microsoft.Extensions.Logging.ILoggerProvider? logs = null)
    {
        var gateway = new GatewayFactory(settings, logs).WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(resolver)));
        gateway.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        gateway.StartServer();
        var address = new Uri(gateway.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Single());
        var proxy = gateway.Services.GetRequiredService<ForwardProxyListener>().Address!;
        return (gateway, address, proxy.Port);
    }

    /// <summary>The proxy URL a user configures: the key as the password.</summary>
    public string ProxyUrl(string? key) => key is null ? $"http://127.0.0.1:{ProxyPort}" : $"http://user:{key}@127.0.0.1:{ProxyPort}";

    /// <summary>The audit events so far, named.</summary>
    public IReadOnlyList<FakeLogRecord> Audit(string eventName) =>
        [.. Logs.GetSnapshot().Where(r => r.Category == "ModelGateway.Audit" && r.Id.Name == eventName)];
}

/// <summary>A client program run to its end: exit code and what it printed.</summary>
public sealed record ClientRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";

    /// <summary>
    /// Runs <paramref name="program"/> with an environment without any proxy or CA setting of this machine's, plus
    /// <paramref name="environment"/>; killed after 60 s.
    /// </summary>
    public static async Task<ClientRun> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in start.Environment.Keys.Where(IsProxyOrCaSetting).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within 60 s.");
        }
        return new ClientRun(process.ExitCode, await output, await error);
    }

    private static bool IsProxyOrCaSetting(string name) =>
        name.EndsWith("_proxy", StringComparison.OrdinalIgnoreCase) || name.Equals("SSL_CERT_FILE", StringComparison.Ordinal)
        || name.Equals("SSL_CERT_DIR", StringComparison.Ordinal) || name.Equals("REQUESTS_CA_BUNDLE", StringComparison.Ordinal)
        || name.Equals("CURL_CA_BUNDLE", StringComparison.Ordinal);
}
