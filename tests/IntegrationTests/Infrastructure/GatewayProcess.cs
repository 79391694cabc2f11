using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// The built gateway (ModelGateway.dll) as its own process, as an operator runs it: to completion (admin commands) or
/// serving on a free loopback port until disposed.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Standard output, line by line, as written so far.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    /// <summary>Runs <c>ModelGateway.dll <paramref name="args"/></c> until it exits (60 s at most).</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args, environment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>Starts the gateway serving on a free loopback port and waits until <c>/healthz/live</c> answers (60 s at most).</summary>
    public static async Task<GatewayProcess> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var start = StartInfo(workingDirectory, [], environment);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(start)!;
        var gateway = new GatewayProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                gateway.Output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var live = await client.GetAsync("healthz/live");
                if (live.IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException) when (waited.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
            }
            if (waited.Elapsed >= TimeSpan.FromSeconds(60) || process.HasExited)
            {
                await gateway.DisposeAsync();
                Assert.Fail($"The gateway did not answer /healthz/live within 60 s:{Environment.NewLine}{string.Join(Environment.NewLine, gateway.Output)}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until a line of standard output matches (10 s at most).</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (Output.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10),
                $"No matching line on standard output within 10 s:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ModelGateway.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
