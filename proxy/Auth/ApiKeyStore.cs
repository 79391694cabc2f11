using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ModelGateway.Auth;

/// <summary>Finds the configured key a presented key hashes to, in time that does not depend on where it matched.</summary>
internal sealed class ApiKeyStore(IOptionsMonitor<ApiKeyOptions> options)
{
    public const int MaxKeyLength = 256;

    // The configured hashes decoded once per configuration (a reload gives a new options instance), not per request.
    private ConfiguredKeys? _configured;

    public ApiKeyEntry? Find(string presentedKey)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        if (presentedKey.Length is 0 or > MaxKeyLength)
        {
            return null;
        }
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> utf8 = stackalloc byte[MaxKeyLength * 3];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(presentedKey, utf8)], presentedHash);

        ApiKeyEntry? match = null;
        foreach (var (entry, hash) in Configured().Keys)
        {
            // Every entry is compared, so timing tells nothing about which one (if any) matched.
            if (CryptographicOperations.FixedTimeEquals(presentedHash, hash))
            {
                match ??= entry;
            }
        }
        return match;
    }

    public static bool TryDecode(string? hex, Span<byte> destination) =>
        hex is { Length: SHA256.HashSizeInBytes * 2 }
        && Convert.FromHexString(hex, destination, out _, out var written) == System.Buffers.OperationStatus.Done
        && written == SHA256.HashSizeInBytes;

    private ConfiguredKeys Configured()
    {
        var current = options.CurrentValue;
        var configured = _configured;
        if (configured is null || !ReferenceEquals(configured.Options, current))
        {
            configured = new ConfiguredKeys(current);
            _configured = configured;
        }
        return configured;
    }

    /// <summary>Each entry with its decoded hash; an entry whose hash does not decode (refused at startup) never matches.</summary>
    private sealed class ConfiguredKeys(ApiKeyOptions options)
    {
        public ApiKeyOptions Options => options;

        public (ApiKeyEntry Entry, byte[] Hash)[] Keys { get; } = [.. options.Keys.Select(entry =>
        {
            var hash = new byte[SHA256.HashSizeInBytes];
            return (entry, TryDecode(entry.KeySha256, hash) ? hash : []);
        })];
    }
}
