namespace ModelGateway.Downloads;

/// <summary>
/// What a copy moves and checks, in file offsets. The host's body starts at <paramref name="SourceStart"/> and ends at
/// <paramref name="SourceEnd"/> (inclusive, when told); the client gets <paramref name="From"/>..<paramref name="To"/>
/// (to the end when null); <paramref name="Sha256"/> is checked when the client gets the whole file as a 200;
/// <paramref name="FileSize"/>, when the whole file flows, is the size the body must match exactly;
/// <paramref name="MaxSize"/> (0: none) is the policy's limit a body of unknown size may not grow past.
/// </summary>
internal sealed record CopyPlan(long SourceStart, long? SourceEnd, long From, long? To, string? Sha256, long? FileSize, long MaxSize);
