namespace ModelGateway.Library;

internal sealed partial class ModelLibrary
{
    /// <summary>
    /// Evicts least recently used blobs (not pinned, not retained) until <paramref name="incoming"/> more bytes fit under
    /// <c>Library:MaxSizeGB</c> and above <c>Library:MinFreeSpaceGB</c>; false when they cannot.
    /// </summary>
    public async Task<bool> EnsureRoomAsync(long incoming, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (options.MaxSizeBytes is { } max && incoming > max)
        {
            return false;
        }
        await _evicting.WaitAsync(cancellationToken);
        try
        {
            var candidates = new Queue<string>(_index.OrderBy(e => e.Value.LastUsedTicks).Select(e => e.Key));
            while (!Fits(options, incoming))
            {
                if (!candidates.TryDequeue(out var victim))
                {
                    return false;
                }
                if (_pins.ContainsKey(victim) || await IsRetainedAsync(victim, cancellationToken) || await Leases.IsFillingAsync(victim))
                {
                    continue;
                }
                try
                {
                    await Store.DeleteAsync(victim, cancellationToken);
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    Log.EvictionFailed(_logger, victim, ex.GetType().Name);
                    continue;
                }
                Forget(victim);
                Metrics.Evicted();
                Log.Evicted(_logger, victim);
            }
            return true;
        }
        finally
        {
            _evicting.Release();
        }
    }

    private bool Fits(LibraryOptions options, long incoming)
    {
        if (options.MaxSizeBytes is { } max && Interlocked.Read(ref _totalBytes) + incoming > max)
        {
            return false;
        }
        return Store.FreeSpaceBytes is not { } free || free - incoming >= options.MinFreeSpaceBytes;
    }

    private async Task<bool> IsRetainedAsync(string sha256, CancellationToken cancellationToken)
    {
        foreach (var retention in _retention)
        {
            if (await retention.IsRetainedAsync(sha256, cancellationToken))
            {
                return true;
            }
        }
        return false;
    }

    private async Task CommittedAsync(string sha256, long length, CancellationToken cancellationToken)
    {
        Remember(sha256, length, _time.GetUtcNow());
        await EnsureRoomAsync(0, cancellationToken);
    }

    private void Remember(string sha256, long length, DateTimeOffset usedAt)
    {
        var entry = new IndexEntry(length, usedAt.UtcTicks);
        _index.AddOrUpdate(sha256, _ =>
        {
            Interlocked.Add(ref _totalBytes, length);
            return entry;
        }, (_, _) => entry);
    }

    private void Forget(string sha256)
    {
        if (_index.TryRemove(sha256, out var entry))
        {
            Interlocked.Add(ref _totalBytes, -entry.Length);
        }
    }

    private void Unpin(string sha256)
    {
        while (_pins.TryGetValue(sha256, out var count))
        {
            if (count <= 1 ? _pins.TryRemove(new(sha256, count)) : _pins.TryUpdate(sha256, count - 1, count))
            {
                return;
            }
        }
    }
}
