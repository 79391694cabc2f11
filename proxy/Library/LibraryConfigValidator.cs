using System.Text.RegularExpressions;
using ModelGateway.Primitives;

namespace ModelGateway.Library;

/// <summary>
/// <c>Library</c>: a usable directory path, a positive size cap, a free-space floor that is not negative, and an S3 store
/// given whole (endpoint, bucket, both keys) or not at all. No message echoes a key.
/// </summary>
internal sealed partial class LibraryConfigValidator : IFeatureConfigValidator
{
    private const string Section = LibraryOptions.SectionName;

    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new LibraryOptions();
        if (!ConfigBinding.TryBind(configuration.GetSection(Section), options, problems))
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(options.Path) || options.Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            problems.Add($"{Section}:Path must name a directory (default \"{LibraryOptions.DefaultPath}\", relative to the content root).");
        }
        if (options.MaxSizeGB is { } max && (double.IsNaN(max) || max <= 0))
        {
            problems.Add($"{Section}:MaxSizeGB must be more than 0 (GB), or left out for no cap.");
        }
        if (double.IsNaN(options.MinFreeSpaceGB) || options.MinFreeSpaceGB < 0)
        {
            problems.Add($"{Section}:MinFreeSpaceGB must be 0 or more (GB).");
        }
        ValidateS3(options.S3, problems);
    }

    private static void ValidateS3(LibraryS3Options s3, IList<string> problems)
    {
        var given = new[] { s3.ServiceUrl, s3.Bucket, s3.AccessKey, s3.SecretKey }.Count(v => !string.IsNullOrWhiteSpace(v));
        if (given == 0)
        {
            return;
        }
        if (!Uri.TryCreate(s3.ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.Query.Length > 0 || !string.IsNullOrEmpty(url.UserInfo))
        {
            problems.Add($"{Section}:S3:ServiceUrl must be the bucket service's absolute http(s) URL, without credentials or query, when any {Section}:S3 key is set.");
        }
        if (string.IsNullOrWhiteSpace(s3.Bucket) || !BucketName().IsMatch(s3.Bucket))
        {
            problems.Add($"{Section}:S3:Bucket must be an S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens).");
        }
        if (string.IsNullOrWhiteSpace(s3.AccessKey) || string.IsNullOrWhiteSpace(s3.SecretKey))
        {
            problems.Add($"{Section}:S3:AccessKey and {Section}:S3:SecretKey must both be set for an S3 store.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
