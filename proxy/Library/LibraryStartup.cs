namespace ModelGateway.Library;

/// <summary>Loads the library at startup (<see cref="ModelLibrary.LoadAsync"/>); a store that cannot be read is logged, never fatal.</summary>
internal sealed partial class LibraryStartup(ModelLibrary library, ILogger<LibraryStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await library.LoadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonClientException or HttpRequestException)
        {
            Log.LoadFailed(logger, library.Store.Kind, ex.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The library ({Kind}) could not be loaded ({Error}): it is not cleaned or bounded until the next start.",
            EventName = "LibraryLoadFailed")]
        public static partial void LoadFailed(ILogger logger, string kind, string error);
    }
}
