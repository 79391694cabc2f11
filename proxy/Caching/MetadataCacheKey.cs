using System.Security.Cryptography;
using System.Text;

namespace ModelGateway.Caching;

/// <summary>
/// Cache keys for probed facts: a SHA-256 of the source's name and its normalised key for the URL, so that nothing
/// from the URL (a path, a query, a token a source failed to strip) is ever in clear in Redis. In Redis the key reads
/// <c>model-gateway:metadata:v2:&lt;sha256&gt;:v2</c> — the cache's prefix, this key, FusionCache's own wire-format
/// version — and its lock <c>model-gateway:metadata:v2:&lt;sha256&gt;:lock</c>.
/// </summary>
internal static class MetadataCacheKey
{
    /// <summary>Bumped when the cached shape changes, so old entries are never read as new ones.</summary>
    public const string Prefix = "metadata:v2:";

    public static string For(string sourceName, string sourceKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentNullException.ThrowIfNull(sourceKey);
        // The separator keeps ("ab", "c") and ("a", "bc") apart; a source name never contains a newline.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sourceName + "\n" + sourceKey));
        return Prefix + Convert.ToHexStringLower(hash);
    }
}
