using Microsoft.Extensions.Configuration;
using ModelGateway.Library;

namespace ModelGateway.UnitTests.Library;

public sealed class LibraryConfigValidatorTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        Assert.Empty(Problems([]));
    }

    [Fact]
    public void Validate_WholeS3Store_NoProblems()
    {
        Assert.Empty(Problems(new()
        {
            ["Library:S3:ServiceUrl"] = "http://minio:9000",
            ["Library:S3:Bucket"] = "model-library",
            ["Library:S3:AccessKey"] = "AKIAEXAMPLE",
            ["Library:S3:SecretKey"] = "secret-never-shown",
            ["Library:MaxSizeGB"] = "500",
        }));
    }

    [Fact]
    public void Validate_BadBounds_ListsEveryProblem()
    {
        var problems = Problems(new() { ["Library:Path"] = " ", ["Library:MaxSizeGB"] = "0", ["Library:MinFreeSpaceGB"] = "-1" });

        Assert.Equal(
        [
            "Library:Path must name a directory (default \"data/library\", relative to the content root).",
            "Library:MaxSizeGB must be more than 0 (GB), or left out for no cap.",
            "Library:MinFreeSpaceGB must be 0 or more (GB).",
        ], problems);
    }

    [Fact]
    public void Validate_PartialS3Store_NamesWhatIsMissingNeverTheSecret()
    {
        var problems = Problems(new() { ["Library:S3:SecretKey"] = "secret-never-shown", ["Library:S3:Bucket"] = "No_Such" });

        Assert.Equal(
        [
            "Library:S3:ServiceUrl must be the bucket service's absolute http(s) URL, without credentials or query, when any Library:S3 key is set.",
            "Library:S3:Bucket must be an S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens).",
            "Library:S3:AccessKey and Library:S3:SecretKey must both be set for an S3 store.",
        ], problems);
        Assert.DoesNotContain(problems, p => p.Contains("secret-never-shown", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NotABoolean_NamedWithItsKey()
    {
        var problem = Assert.Single(Problems(new() { ["Library:CacheDownloads"] = "sometimes" }));

        Assert.StartsWith("Failed to convert configuration value 'sometimes' at 'Library:CacheDownloads'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abc", null)]
    [InlineData("zzcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", null)]
    [InlineData(null, null)]
    public void Sha256Key_Normalize_LowercaseHexOrNull(string? value, string? expected)
    {
        Assert.Equal(expected, Sha256Key.Normalize(value));
    }

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var problems = new List<string>();
        new LibraryConfigValidator().Validate(configuration, problems);
        return problems;
    }
}
