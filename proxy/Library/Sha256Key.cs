namespace ModelGateway.Library;

/// <summary>A blob's name: a SHA-256 as 64 lowercase hex digits (sources publish it in either case).</summary>
internal static class Sha256Key
{
    public const int Length = 64;

    /// <summary>The lowercase form of <paramref name="value"/>, or null when it is not a SHA-256 in hex.</summary>
    public static string? Normalize(string? value)
    {
        if (value is null || value.Length != Length)
        {
            return null;
        }
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }
        return value.ToLowerInvariant();
    }

    public static bool IsValid(string? value) => value is { Length: Length } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
