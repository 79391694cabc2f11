using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Policies;
using ModelGateway.Sources;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// A download reads its URL once: the source that recognises it parses it into a <see cref="SourceRef"/>, and the host
/// check, the cache, the probe and the download's location all take that reference (a counting source proves it).
/// </summary>
public sealed class RecognizeOnceTests : IAsyncLifetime
{
    private const string CountedHost = "counted.example";

    private readonly byte[] _file = SafeTensors(200_000, seed: 19);
    private readonly CountingSource _source = new();
    private FakeHost Files { get; set; } = null!;

    private GatewayFactory Factory { get; set; } = null!;

    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Gateway { get; set; } = null!;

    public async Task InitializeAsync()
    {
        Files = await FakeHost.StartAsync((app, _) =>
            app.MapGet("/files/counted.safetensors", () => Results.Bytes(_file, "application/octet-stream", enableRangeProcessing: true)));
        _source.Files = Files.BaseUri;
        _source.Facts = new AssetFacts
        {
            Source = CountingSource.SourceName,
            ContentLength = _file.Length,
            ContentType = "application/octet-stream",
            Filename = "counted.safetensors",
            Name = "counted",
            Format = ModelFormat.SafeTensor,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(_file)),
        };
        Factory = new GatewayFactory();
        Gateway = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.AddSingleton<IMetadataSource>(_source)));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Factory.DisposeAsync();
        await Files.DisposeAsync();
    }

    [Fact]
    public async Task Download_ParsesItsUrlOnce_EveryStepTakesTheReference()
    {
        using var client = Gateway.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        using var first = await client.GetAsync(DownloadPath($"https://{CountedHost}/models/7/counted.safetensors"));
        var body = await first.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(_file, body);
        Assert.Equal(1, _source.Parses); // the host check, the cache key, the probe and the location did not parse again
        var probed = Assert.Single(_source.Probed);
        var located = Assert.Single(_source.Located);
        Assert.Same(probed, located);
        Assert.Equal((CountedHost, "counted:7"), (probed.Host, probed.CacheKey));

        using var second = await client.GetAsync(DownloadPath($"https://{CountedHost}/models/7/counted.safetensors"));
        await second.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, _source.Parses); // once per request; the facts came from the cache
        Assert.Single(_source.Probed);
        Assert.Equal(2, _source.Located.Count);
    }

    /// <summary>A named source for <see cref="CountedHost"/> whose URLs are <c>/models/{id}/{file}</c>; it counts its parses.</summary>
    private sealed class CountingSource : IMetadataSource
    {
        public const string SourceName = "counting";

        private int _parses;

        public Uri Files { get; set; } = null!;

        public AssetFacts Facts { get; set; } = null!;

        public int Parses => Volatile.Read(ref _parses);

        public List<SourceRef> Probed { get; } = [];

        public List<SourceRef> Located { get; } = [];

        public string Name => SourceName;

        public IReadOnlyList<string> FileHeaders => [];

        public SourceRef? TryRecognize(Uri url) => url.Host == CountedHost ? Parse(url) : null;

        public SourceRef? TryRecognizeFile(Uri url) => Parse(url);

        public Task<ProbeResult> ProbeAsync(SourceRef asset, ProbeScope scope, CancellationToken cancellationToken)
        {
            lock (Probed)
            {
                Probed.Add(asset);
            }
            return Task.FromResult(new ProbeResult(Facts, Location(asset)));
        }

        public ContentLocation Locate(SourceRef asset, AssetFacts facts)
        {
            lock (Located)
            {
                Located.Add(asset);
            }
            return Location(asset);
        }

        private ContentLocation Location(SourceRef asset) =>
            new(new Uri(Files, "files/" + SourceRef<string[]>.Of(asset, this)[^1]));

        private SourceRef<string[]> Parse(Uri url)
        {
            Interlocked.Increment(ref _parses);
            var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            return new SourceRef<string[]>(this, url, $"counted:{segments[1]}", segments);
        }
    }
}
