namespace ModelGateway.Library;

internal sealed partial class ModelLibrary
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Library ({Kind}): {Count} blobs, {Bytes} bytes.", EventName = "LibraryLoaded")]
        public static partial void Loaded(ILogger logger, string kind, int count, long bytes);

        [LoggerMessage(2, LogLevel.Warning, "Library ({Kind}): removed {Count} leftovers of interrupted fills.", EventName = "LibraryLeftoversRemoved")]
        public static partial void LeftoversRemoved(ILogger logger, int count, string kind);

        [LoggerMessage(3, LogLevel.Information, "Library: stored blob {Sha256}, {Bytes} bytes ({Kind}).", EventName = "LibraryFilled")]
        public static partial void Filled(ILogger logger, string sha256, long bytes, string kind);

        [LoggerMessage(4, LogLevel.Warning, "Library: blob {Sha256} not stored: the {Kind} store failed ({Error}).", EventName = "LibraryFillFailed")]
        public static partial void FillFailed(ILogger logger, string sha256, string kind, string error);

        [LoggerMessage(5, LogLevel.Warning, "Library: blob {Sha256} not stored: the {Kind} store could not start the write ({Error}).", EventName = "LibraryFillNotStarted")]
        public static partial void FillNotStarted(ILogger logger, string sha256, string kind, string error);

        [LoggerMessage(6, LogLevel.Information, "Library: evicted blob {Sha256}.", EventName = "LibraryEvicted")]
        public static partial void Evicted(ILogger logger, string sha256);

        [LoggerMessage(7, LogLevel.Warning, "Library: could not evict blob {Sha256} ({Error}).", EventName = "LibraryEvictionFailed")]
        public static partial void EvictionFailed(ILogger logger, string sha256, string error);

        [LoggerMessage(8, LogLevel.Warning, "Library: could not look up blob {Sha256} in the {Kind} store ({Error}); served from upstream.",
            EventName = "LibraryReadFailed")]
        public static partial void ReadFailed(ILogger logger, string sha256, string kind, string error);
    }
}
