namespace ModelGateway.Policies;

/// <summary>One blocking error or informational warning; the frontend shows <see cref="Code"/>.</summary>
public sealed record ValidationIssue(string Code, string Message, string Field);

/// <summary>The verdict for one file under one policy.</summary>
public sealed record ValidationResult(IReadOnlyList<ValidationIssue> Errors, IReadOnlyList<ValidationIssue> Warnings)
{
    public bool IsValid => Errors.Count == 0;
}
