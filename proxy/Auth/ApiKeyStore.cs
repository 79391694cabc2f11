using System.Net;
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

    /// <summary>
    /// The first entry (in configuration order) one of whose <see cref="ApiKeyEntry.Networks"/> holds
    /// <paramref name="address"/> (an IPv4-mapped IPv6 address as its IPv4 form), or null.
    /// </summary>
    public ApiKeyEntry? FindByNetwork(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var (entry, network) in Configured().Networks)
        {
            if (network.Contains(address))
            {
                return entry;
            }
        }
        return null;
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

        /// <summary>Each entry's networks that parse (the others are refused at startup), in configuration order.</summary>
        public (ApiKeyEntry Entry, IPNetwork Network)[] Networks { get; } = [.. options.Keys.SelectMany(entry =>
            entry.Networks.Select(n => IPNetwork.TryParse(n, out var network) ? (entry, network) : (entry, (IPNetwork?)null))
                .Where(p => p.Item2 is not null).Select(p => (entry, p.Item2!.Value)))];
    }
}
