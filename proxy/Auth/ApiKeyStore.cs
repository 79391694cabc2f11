using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ModelGateway.Auth;

/// <summary>Finds the configured key a presented key hashes to, in time that does not depend on where it matched.</summary>
internal sealed class ApiKeyStore(IOptionsMonitor<ApiKeyOptions> options)
{
    public const int MaxKeyLength = 256;

    public ApiKeyEntry? Find(string presentedKey)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        if (presentedKey.Length is 0 or > MaxKeyLength)
        {
            return null;
        }
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), presentedHash);

        ApiKeyEntry? match = null;
        Span<byte> configuredHash = stackalloc byte[SHA256.HashSizeInBytes];
        foreach (var entry in options.CurrentValue.Keys)
        {
            // Every entry is compared, so timing tells nothing about which one (if any) matched.
            if (TryDecode(entry.KeySha256, configuredHash) && CryptographicOperations.FixedTimeEquals(presentedHash, configuredHash))
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
}
