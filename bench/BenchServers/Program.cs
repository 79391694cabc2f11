using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Yarp.ReverseProxy.Configuration;

// bench/run.sh starts each of these as its own process, bound to 127.0.0.1 (see bench/README.md):
//   BenchServers trivial <port>                      GET / → 200 {"status":"ok"}: the reference for a metadata cache hit
//   BenchServers yarp <port> <destination>           a bare YARP (no auth, no limiter) forwarding everything to <destination>
//   BenchServers delay <port> <milliseconds> <file>  any GET/HEAD answered with <file> (Range too) after the delay
//   BenchServers files <dir> <big-GiB>               writes the origin's files; prints "name size sha256" per safetensors file
return args switch
{
    ["trivial", var port] => await ServeAsync(Port(port), app => app.MapGet("/", () => TypedResults.Json(new Status("ok"), StatusJson.Default.Status))),
    ["yarp", var port, var destination] => await ServeAsync(Port(port), app => app.MapReverseProxy(), services => services.AddReverseProxy()
        .LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "origin", Match = new RouteMatch { Path = "/{**rest}" } }],
            [new ClusterConfig { ClusterId = "origin", Destinations = new Dictionary<string, DestinationConfig> { ["origin"] = new() { Address = destination } } }])),
    ["delay", var port, var milliseconds, var file] => await ServeAsync(Port(port), app => app.MapMethods("/{**path}", ["GET", "HEAD"], async () =>
    {
        await Task.Delay(int.Parse(milliseconds, CultureInfo.InvariantCulture));
        return Results.File(file, "application/octet-stream", enableRangeProcessing: true);
    })),
    ["files", var dir, var bigGiB] => BenchFiles.Write(dir, long.Parse(bigGiB, CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Port(string value) => int.Parse(value, CultureInfo.InvariantCulture);

static int Usage()
{
    Console.Error.WriteLine("Usage: BenchServers trivial <port> | yarp <port> <destination> | delay <port> <ms> <file> | files <dir> <big-GiB>");
    return 2;
}

static async Task<int> ServeAsync(int port, Action<WebApplication> map, Action<IServiceCollection>? services = null)
{
    var builder = WebApplication.CreateBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    services?.Invoke(builder.Services);
    var app = builder.Build();
    map(app);
    await app.RunAsync();
    return 0;
}

internal sealed record Status(string State);

[System.Text.Json.Serialization.JsonSerializable(typeof(Status))]
internal sealed partial class StatusJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The origin's files, generated at run time (never committed): random blobs and real safetensors files.</summary>
internal static class BenchFiles
{
    private const long MiB = 1024 * 1024;

    public static int Write(string dir, long bigGiB)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(15);
        WriteRandom(Path.Combine(dir, "1k.bin"), 1024, random);
        WriteRandom(Path.Combine(dir, "1m.bin"), MiB, random);
        WriteRandom(Path.Combine(dir, "100m.bin"), 100 * MiB, random);
        // The metadata lookups' file: a real header (title, architecture, tensors) and 64 KiB of tensor data.
        Report(dir, "model.safetensors", SafeTensors(Path.Combine(dir, "model.safetensors"), 64 * 1024, random, sparse: false));
        Report(dir, "100m.safetensors", SafeTensors(Path.Combine(dir, "100m.safetensors"), 100 * MiB, random, sparse: false));
        // Sparse: a real header, then zeros the file system does not store (the origin streams them all the same).
        Report(dir, "big.safetensors", SafeTensors(Path.Combine(dir, "big.safetensors"), bigGiB * 1024 * MiB, random, sparse: true));
        return 0;
    }

    private static void Report(string dir, string name, string path)
    {
        using var stream = File.OpenRead(path);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {new FileInfo(Path.Combine(dir, name)).Length} {sha256}"));
    }

    private static void WriteRandom(string path, long size, Random random)
    {
        using var file = File.Create(path);
        var buffer = new byte[Math.Min(size, MiB)];
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
        }
    }

    /// <summary>A safetensors file of <paramref name="totalSize"/> bytes: one U8 tensor filling everything after the header.</summary>
    private static string SafeTensors(string path, long totalSize, Random random, bool sparse)
    {
        // The header's length is fixed before the data size is known: pad it with spaces (allowed by the format).
        const int headerLength = 256;
        var dataSize = totalSize - 8 - headerLength;
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["__metadata__"] = new Dictionary<string, string>
            {
                ["modelspec.title"] = "Bench Model",
                ["modelspec.architecture"] = "stable-diffusion-xl-v1-base",
            },
            ["model.diffusion_model.weight"] = new { dtype = "U8", shape = new[] { dataSize }, data_offsets = new[] { 0, dataSize } },
        });
        var header = Encoding.UTF8.GetBytes(json.PadRight(headerLength));
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)headerLength));
        file.Write(header);
        if (sparse)
        {
            file.SetLength(totalSize);
            return path;
        }
        var buffer = new byte[MiB];
        for (long written = 0; written < dataSize; written += buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, dataSize - written));
        }
        return path;
    }
}
