using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using ModelGateway.AssetLibrary;
using ModelGateway.Primitives;

namespace ModelGateway.UnitTests.AssetLibrary;

public sealed class AssetRequestsTests
{
    [Fact]
    public void Listing_Defaults_CreatedAtDescendingTwentyFromZero()
    {
        var listing = AssetRequests.Listing(new QueryCollection());

        Assert.Equal(20, listing.Limit);
        Assert.Equal(0, listing.Offset);
        Assert.Equal(AssetSort.CreatedAt, listing.Query.Sort);
        Assert.True(listing.Query.Descending);
        Assert.Empty(listing.Query.IncludeTags);
        Assert.Empty(listing.Query.ExcludeTags);
        Assert.Null(listing.Query.NameContains);
    }

    [Fact]
    public void Listing_TagsCommaSeparatedOrRepeated_TrimmedAndDeduplicated()
    {
        var listing = AssetRequests.Listing(Query(("include_tags", ["models, loras", "loras"]), ("exclude_tags", ["nsfw"]),
            ("limit", ["500"]), ("offset", ["40"]), ("sort", ["last_access_time"]), ("order", ["asc"]), ("name_contains", ["Lo"])));

        Assert.Equal(["models", "loras"], listing.Query.IncludeTags);
        Assert.Equal(["nsfw"], listing.Query.ExcludeTags);
        Assert.Equal((500, 40, AssetSort.LastAccessTime, false, "Lo"),
            (listing.Limit, listing.Offset, listing.Query.Sort, listing.Query.Descending, listing.Query.NameContains));
    }

    [Theory]
    [InlineData("limit", "0", "limit must be an integer from 1 to 500.")]
    [InlineData("limit", "501", "limit must be an integer from 1 to 500.")]
    [InlineData("limit", "+5", "limit must be an integer from 1 to 500.")]
    [InlineData("offset", "-1", "offset must be an integer from 0 to 2147483647.")]
    [InlineData("sort", "downloads", "sort must be one of name, created_at, updated_at, size, last_access_time.")]
    [InlineData("order", "DESC", "order must be asc or desc.")]
    public void Listing_OutOfRange_InvalidQuery(string name, string value, string message)
    {
        var ex = Assert.Throws<GatewayException>(() => AssetRequests.Listing(Query((name, [value]))));

        Assert.Equal((400, AssetErrorCodes.InvalidQuery, message), (ex.StatusCode, ex.Code, ex.Message));
    }

    [Fact]
    public void Listing_ParameterTwice_InvalidQuery()
    {
        var ex = Assert.Throws<GatewayException>(() => AssetRequests.Listing(Query(("limit", ["1", "2"]))));

        Assert.Equal("Give limit at most once.", ex.Message);
    }

    [Fact]
    public void Tags_TooLongOrTooMany_InvalidField()
    {
        Assert.Equal("tags must hold strings of 1 to 128 characters.",
            Assert.Throws<GatewayException>(() => AssetRequests.Tags([new string('a', 129)], "tags")).Message);
        Assert.Equal("tags must hold strings of 1 to 128 characters.", Assert.Throws<GatewayException>(() => AssetRequests.Tags([" "], "tags")).Message);
        Assert.Equal("tags may hold at most 64 tags.",
            Assert.Throws<GatewayException>(() => AssetRequests.Tags(Enumerable.Range(0, 65).Select(i => $"t{i}"), "tags")).Message);
        Assert.Equal(64, AssetRequests.Tags(Enumerable.Range(0, 64).Select(i => $"t{i}"), "tags").Count);
    }

    [Theory]
    [InlineData("sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("SHA256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("blake3:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", null)]
    [InlineData("sha256:9f86", null)]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", null)]
    [InlineData("sha256:zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", null)]
    public void AssetHashes_OnlySha256InHex(string value, string? expected) => Assert.Equal(expected, AssetHashes.Parse(value));

    [Fact]
    public void Times_IsoUtcWithZAndMilliseconds() =>
        Assert.Equal("2026-12-04T11:00:00.123Z", Times.Iso(new DateTimeOffset(2026, 12, 4, 12, 0, 0, 123, TimeSpan.FromHours(1))));

    [Theory]
    [InlineData("model.safetensors", "model.safetensors")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("dir\\sub\\x.ckpt", "x.ckpt")]
    [InlineData("a\u0000b.pt", "ab.pt")]
    [InlineData("..", "download")]
    [InlineData("folder/", "download")]
    public void SafeName_ABareFileName(string name, string expected) => Assert.Equal(expected, AssetImporter.SafeName(name));

    [Theory]
    [InlineData("loras", true)]
    [InlineData("my model.safetensors", true)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("", false)]
    public void ModelTree_OnlyPlainNames(string name, bool plain) => Assert.Equal(plain, ComfyModelTree.IsPlainName(name));

    [Fact]
    public void ConfigValidator_EveryProblem_NoSecretEchoed()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Library:MaxUploadBytes"] = "0",
            ["Library:TaskLeaseSeconds"] = "1",
            ["Library:TaskMaxAttempts"] = "0",
            ["ConnectionStrings:Assets"] = "Host=db;Password=hunter2;Nonsense Keyword=1",
        }).Build();
        var problems = new List<string>();

        new AssetLibraryConfigValidator().Validate(configuration, problems);

        Assert.Equal([
            "Library:MaxUploadBytes must be between 1 and 1099511627776.",
            "Library:TaskLeaseSeconds must be between 2 and 3600.",
            "Library:TaskMaxAttempts must be between 1 and 100.",
            "ConnectionStrings:Assets is not a PostgreSQL (Npgsql) connection string.",
        ], problems);
        Assert.DoesNotContain(problems, p => p.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfigValidator_Defaults_Valid()
    {
        var problems = new List<string>();
        new AssetLibraryConfigValidator().Validate(new ConfigurationBuilder().Build(), problems);
        Assert.Empty(problems);
    }

    private static QueryCollection Query(params (string Name, string[] Values)[] values) =>
        new(values.ToDictionary(v => v.Name, v => new StringValues(v.Values)));
}
