namespace ModelGateway.Policies;

/// <summary>Whether the file's format was confirmed from its own bytes.</summary>
public enum FormatCheck
{
    /// <summary>Content verification was not attempted; the format is the source's claim or the extension's guess.</summary>
    NotChecked,

    /// <summary>The bytes confirm the claimed format.</summary>
    Verified,

    /// <summary>The bytes show a different format than claimed; <see cref="AssetFacts.Format"/> is the true one.</summary>
    Mismatch,

    /// <summary>Verification was attempted but the file's head could not be read or recognised.</summary>
    Unverified,
}
