using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>
/// A real S3-compatible server for the tests: npm <c>s3rver</c> (pinned by <c>S3Server/package-lock.json</c>, installed
/// with <c>npm ci</c>) run by node on a free loopback port over a temporary directory, with one bucket, stopped when the
/// fixture is disposed. Its credentials are s3rver's built-in <c>S3RVER</c>/<c>S3RVER</c>. It is a test server: tests
/// re-hash what it returns.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public const string Bucket = "model-library";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly SemaphoreSlim InstallOnce = new(1, 1);
    private static bool _installed;

    private Process? _server;
    private string? _directory;

    public static string Folder { get; } = Path.Combine(GatewayFactory.RepositoryRoot, "tests", "IntegrationTests", "Library", "S3Server");

    public Uri ServiceUrl { get; private set; } = null!;

    /// <summary>The gateway settings of an S3 library on this server.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Library:S3:ServiceUrl"] = ServiceUrl.AbsoluteUri,
        ["Library:S3:Bucket"] = Bucket,
        ["Library:S3:AccessKey"] = AccessKey,
        ["Library:S3:SecretKey"] = SecretKey,
    };

    internal ModelGateway.Library.LibraryS3Options Options() => new()
    {
        ServiceUrl = ServiceUrl.AbsoluteUri,
        Bucket = Bucket,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
    };

    public async Task InitializeAsync()
    {
        await InstallAsync();
        _directory = Directory.CreateTempSubdirectory("gateway-s3rver-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "node_modules/s3rver/bin/s3rver.js", "-d", _directory, "-a", "127.0.0.1", "-p",
            port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--no-vhost-buckets", "--configure-bucket", Bucket })
        {
            start.ArgumentList.Add(argument);
        }
        _server = Start(start);
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        ServiceUrl = new Uri($"http://127.0.0.1:{port}/");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using var answer = await client.GetAsync(new Uri(ServiceUrl, Bucket));
                if (answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"s3rver did not answer on {ServiceUrl} within 20 seconds.");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
            _server.Dispose();
        }
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp folder is harmless
            }
        }
    }

    /// <summary>Creates (once) a bucket named after <paramref name="name"/> (lowercase letters, digits, hyphens); its name.</summary>
    public string CreateBucket(string name)
    {
        var bucket = "lib-" + new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        using var client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(AccessKey, SecretKey),
            new Amazon.S3.AmazonS3Config { ServiceURL = ServiceUrl.AbsoluteUri, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        try
        {
            client.PutBucketAsync(bucket).GetAwaiter().GetResult();
        }
        catch (Amazon.S3.AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
        return bucket;
    }

    /// <summary>Object keys in the bucket's folder on disk (s3rver's file store), for "nothing visible" checks.</summary>
    public IEnumerable<string> StoredFiles() =>
        _directory is null ? [] : Directory.EnumerateFiles(Path.Combine(_directory, Bucket), "*", SearchOption.AllDirectories);

    private static async Task InstallAsync()
    {
        await InstallOnce.WaitAsync();
        try
        {
            if (_installed)
            {
                return;
            }
            var start = new ProcessStartInfo("npm")
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
            {
                start.ArgumentList.Add(argument);
            }
            using var npm = Start(start);
            var output = npm.StandardOutput.ReadToEndAsync();
            var errors = npm.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(InstallTimeout);
            await npm.WaitForExitAsync(deadline.Token);
            await output;
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {Folder} exited with {npm.ExitCode}: {await errors}");
            }
            _installed = true;
        }
        finally
        {
            InstallOnce.Release();
        }
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"The S3 library tests run the npm package s3rver with node: install Node.js 18 or later (with npm). {start.FileName}: {ex.Message}", ex);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
