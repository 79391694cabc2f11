namespace ModelGateway.Policies;

/// <summary>What a policy does about a file whose facts are uncertain (<c>UnverifiedContent</c>, <c>UnknownSize</c>).</summary>
public enum PolicyAction
{
    /// <summary>The file passes; the verdict carries a warning.</summary>
    Warn,

    /// <summary>The file fails; the verdict carries an error with the same code.</summary>
    Deny,
}
