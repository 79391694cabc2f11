namespace ModelGateway.Downloads;

/// <summary>
/// How a copy ended (<see cref="DownloadOutcome.Completed"/>, or why not) and how many bytes reached the client;
/// <paramref name="Refusal"/> is the head check's answer when it said no.
/// </summary>
internal sealed record CopyResult(DownloadOutcome Outcome, long BytesWritten, HeadRefusal? Refusal = null);
