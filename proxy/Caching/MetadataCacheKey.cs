using System.Security.Cryptography;
using System.Text;

namespace ModelGateway.Caching;

/// <summary>
/// Cache keys for probed facts: a SHA-256 of the source's name and its normalised key for the URL, so that nothing
/// from the URL (a path, a query, a token a source failed to strip) is ever in clear in Redis.
/// </summary>
public static class MetadataCacheKey
{
    /// <summary>Bumped when the cached shape changes, so old entries are never read as new ones.</summary>
    public const string Prefix = "metadata:v1:";

    public static string For(string sourceName, string sourceKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentNullException.ThrowIfNull(sourceKey);
        // The separator keeps ("ab", "c") and ("a", "bc") apart; a source name never contains a newline.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sourceName + "\n" + sourceKey));
        return Prefix + Convert.ToHexStringLower(hash);
    }
}
