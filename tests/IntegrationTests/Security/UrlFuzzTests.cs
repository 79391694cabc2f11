using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// Thousands of random and mutated <c>url</c> values through the real endpoint. Every answer must be a 200 or a
/// documented 400/422 code, never a 500 or a hang; the internal loopback host must see nothing. All traffic stays on
/// loopback: the injected resolver answers only for the fakes' names and loopback literals.
/// </summary>
public sealed class UrlFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261126;
    private const int Mutations = 2500;
    private const int RandomStrings = 500;

    private static readonly HashSet<string> Documented400 = ["INVALID_URL", "INVALID_URL_FORMAT", "UNSUPPORTED_SOURCE", "INVALID_HOST"];

    private static readonly HashSet<string> Documented422 =
    [
        "RESOURCE_NOT_FOUND", "UNAUTHORIZED_SOURCE", "USER_TOKEN_ACCESS_DENIED", "ACCESS_FORBIDDEN", "RATE_LIMITED",
        "SOURCE_SERVER_ERROR", "NETWORK_TIMEOUT", "CONNECTION_REFUSED", "INVALID_HOST", "NETWORK_ERROR",
        "METADATA_FETCH_FAILED", "HTTP_ERROR",
    ];

    private static readonly string[] Tokens =
    [
        "@", ":", "//", "..", ".", "%00", "%0d%0a", "%2e", "%2F", "%40", "%", "%%", "%zz", "[", "]", "[::1]", "::1", "0x7f",
        "0x7f000001", "2130706433", "0177.0.0.1", "127.0.0.1", "127.1", "0.0.0.0", "169.254.169.254", "[::ffff:127.0.0.1]",
        "localhost", "localhost.", ".localhost", "#", "?", "\\", " ", "\t", "\r\n", "\u24DB", "\u3002", "\uFF0E", "\uFF11",
        "\u200B", "\u202E", "xn--", "xn--zz", ":0", ":22", ":65536", ":99999999999", ":-1", ":+80", "user:pass@",
        "files.test", "internal.test", "missing.invalid", "\u0130", "\u00DF", "/..", "/./", "?url=", "&url=", "http://",
        "https://", "file://", "gopher://", "HTTP://", "\u00A0", "\uFEFF", "\u0000",
    ];

    [Fact]
    public async Task RemoteMetadata_ThousandsOfMutatedUrls_OnlyDocumentedAnswersAndNoInternalRequest()
    {
        await using var files = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/files/{name}", ["GET", "HEAD"], () =>
                Results.Bytes(new byte[1234], "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/redirect", ["GET", "HEAD"], (string to) => Results.Redirect(to));
            app.Map("/{**rest}", () => Results.NotFound());
        });
        await using var internalHost = await FakeHost.StartAsync((app, _) => app.Map("/{**rest}", () => Results.Text("secret")));
        var fp = files.BaseUri.Port.ToString(CultureInfo.InvariantCulture);
        var ip = internalHost.BaseUri.Port.ToString(CultureInfo.InvariantCulture);
        var resolver = new LoopbackResolver(new()
        {
            ["files.test"] = [IPAddress.Loopback],
            ["internal.test"] = [IPAddress.Loopback],
        });
        await using var gateway = new SecurityGateway(new()
        {
            ["Egress:AllowPrivateNetworks"] = "false",
            ["Egress:TimeoutSeconds"] = "2",
            ["Egress:AllowedPorts:0"] = "80",
            ["Egress:AllowedPorts:1"] = "443",
            ["Egress:AllowedPorts:2"] = fp,
            ["Egress:AllowedPorts:3"] = ip,
        }, resolver, publicNames: ["files.test"]);

        string[] seeds =
        [
            $"http://files.test:{fp}/files/model.safetensors",
            $"http://files.test:{fp}/files/lora.gguf?download=true",
            $"https://files.test:{fp}/files/model.safetensors",
            $"http://files.test:{fp}/redirect?to=" + Uri.EscapeDataString($"http://files.test:{fp}/files/a.ckpt"),
            $"http://files.test:{fp}/redirect?to=" + Uri.EscapeDataString($"http://127.0.0.1:{ip}/x"),
            $"http://files.test:{fp}/redirect?to=" + Uri.EscapeDataString($"http://internal.test:{ip}/x"),
            $"http://127.0.0.1:{ip}/x",
            $"http://internal.test:{ip}/admin",
            $"http://[::ffff:127.0.0.1]:{ip}/x",
            $"http://2130706433:{ip}/",
            $"http://localhost:{ip}/",
            "http://missing.invalid/model.safetensors",
            "https://civitai.com/api/download/models/123?type=Model&format=SafeTensor",
            "https://huggingface.co/org/repo/resolve/main/model.safetensors",
            "http://169.254.169.254/latest/meta-data/",
        ];

        var random = new Random(Seed);
        var inputs = new List<string>(seeds);
        for (var i = 0; i < Mutations; i++)
        {
            inputs.Add(Mutate(random, seeds[random.Next(seeds.Length)], seeds));
        }
        for (var i = 0; i < RandomStrings; i++)
        {
            inputs.Add(RandomString(random, random.Next(0, 120)));
        }

        var failures = new ConcurrentQueue<string>();
        var counts = new ConcurrentDictionary<string, int>();
        using var overall = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(inputs, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = overall.Token }, async (url, ct) =>
        {
            using var one = CancellationTokenSource.CreateLinkedTokenSource(ct);
            one.CancelAfter(TimeSpan.FromSeconds(30)); // Egress:TimeoutSeconds is 2: anything near this is a hang
            try
            {
                var (status, code, body) = await gateway.ProbeAsync(url, one.Token);
                counts.AddOrUpdate($"{status} {code}", 1, (_, n) => n + 1);
                if (!IsDocumented(status, code, body))
                {
                    failures.Enqueue($"{Show(url)} → {status} {body}");
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failures.Enqueue($"{Show(url)} → no answer within 30 s");
            }
        });
        stopwatch.Stop();

        output.WriteLine($"{inputs.Count} urls in {stopwatch.Elapsed}");
        foreach (var (answer, n) in counts.OrderByDescending(c => c.Value))
        {
            output.WriteLine($"{n,6} × {answer}");
        }
        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(20)));
        Assert.Empty(internalHost.Requests);
        Assert.True(counts.Keys.Any(k => k.StartsWith("200", StringComparison.Ordinal)), "no mutation reached the file host: the fuzz proves little");
    }

    private static bool IsDocumented(int status, string? code, string body) => status switch
    {
        200 => body.Contains("\"validation\":", StringComparison.Ordinal),
        400 => code is not null && Documented400.Contains(code),
        422 => code is not null && Documented422.Contains(code),
        _ => false,
    };

    private static string Mutate(Random random, string seed, string[] seeds)
    {
        var text = seed;
        var steps = random.Next(1, 4);
        for (var s = 0; s < steps; s++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length + 1);
            text = random.Next(11) switch
            {
                0 => text.Insert(at, RandomChar(random).ToString()),
                1 when text.Length > 0 => text.Remove(Math.Min(at, text.Length - 1), Math.Min(random.Next(1, 8), text.Length - Math.Min(at, text.Length - 1))),
                2 when text.Length > 0 => ReplaceAt(text, Math.Min(at, text.Length - 1), RandomChar(random)),
                3 => text.Insert(at, Tokens[random.Next(Tokens.Length)]),
                4 when text.Length > 0 => text.Insert(at, text[random.Next(text.Length)..]),
                5 => text[..at],
                6 => FlipCase(random, text),
                7 when text.Length > 0 => PercentEncodeAt(text, Math.Min(at, text.Length - 1)),
                8 => text[..at] + seeds[random.Next(seeds.Length)][random.Next(seeds[0].Length / 2)..],
                9 => text + new string('a', random.Next(1000, 3000)),
                _ => text.Insert(at, Tokens[random.Next(Tokens.Length)] + Tokens[random.Next(Tokens.Length)]),
            };
        }
        return text;
    }

    private static char RandomChar(Random random) => random.Next(4) switch
    {
        0 => (char)random.Next(0, 32),                       // controls
        1 => "\u00E9\u0130\u00DF\u24DB\u3002\uFF0E\uFF11\u200B\u202E\uFEFF\u00A0\u0665\u2024"[random.Next(13)],
        _ => (char)random.Next(32, 127),
    };

    private static string RandomString(Random random, int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(RandomChar(random));
        }
        return builder.ToString();
    }

    private static string ReplaceAt(string text, int index, char c) => string.Concat(text.AsSpan(0, index), c.ToString(), text.AsSpan(index + 1));

    private static string PercentEncodeAt(string text, int index) =>
        string.Concat(text.AsSpan(0, index), Uri.EscapeDataString(text[index].ToString()), text.AsSpan(index + 1));

    private static string FlipCase(Random random, string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (random.Next(4) == 0)
            {
                chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
            }
        }
        return new string(chars);
    }

    private static string Show(string url)
    {
        var shown = JsonSerializer.Serialize(url);
        return shown.Length > 300 ? shown[..300] + "…" : shown;
    }
}
