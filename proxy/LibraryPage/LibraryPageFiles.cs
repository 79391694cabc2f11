using System.Collections.Frozen;
using System.Security.Cryptography;

namespace ModelGateway.LibraryPage;

/// <summary>One file of the page: its bytes, media type and strong ETag.</summary>
internal sealed record PageFile(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The page's files (<c>LibraryPage/static/</c>), embedded in the gateway's assembly and read once: the page needs no
/// build step, no files beside the binary, and nothing from the internet (no fonts or scripts from a CDN).
/// </summary>
internal sealed class LibraryPageFiles
{
    private const string ResourcePrefix = "LibraryPage/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, PageFile> _files;

    public LibraryPageFiles()
    {
        var assembly = typeof(LibraryPageFiles).Assembly;
        var files = new Dictionary<string, PageFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\"";
            files[name] = new PageFile(name, content, contentType, etag);
        }
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The file named exactly <paramref name="name"/> (no path: the page's files are one flat folder).</summary>
    public PageFile? Find(string name) => _files.GetValueOrDefault(name);

    public IEnumerable<string> Names => _files.Keys;
}
