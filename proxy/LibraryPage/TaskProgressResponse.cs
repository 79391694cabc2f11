using ModelGateway.AssetLibrary;

namespace ModelGateway.LibraryPage;

/// <summary>
/// The 200 body of <c>GET /api/tasks/{id}/progress</c>: the task's status, the bytes downloaded so far (all of them once
/// it completed), and, once it ended, its result and error as <c>GET /api/tasks/{id}</c> has them.
/// </summary>
internal sealed record TaskProgressResponse(string Id, string Status, long BytesDownloaded, TaskResult? Result, string? ErrorMessage,
    string UpdateTime)
{
    public static TaskProgressResponse From(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var bytes = task.Result?.BytesDownloaded is { } done && !TaskStatuses.IsActive(task.Status) ? done : task.BytesDownloaded;
        return new TaskProgressResponse(AssetRepository.IdText(task.Id), task.Status, bytes, task.Result, task.ErrorMessage, Times.Iso(task.UpdateTime));
    }
}
