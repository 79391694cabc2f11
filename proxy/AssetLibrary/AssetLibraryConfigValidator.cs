using ModelGateway.Primitives;
using Npgsql;

namespace ModelGateway.AssetLibrary;

/// <summary>
/// The asset library's keys: <c>Library:MaxUploadBytes</c>, <c>Library:TaskLeaseSeconds</c>, <c>Library:TaskMaxAttempts</c>
/// in range, and <c>ConnectionStrings:Assets</c> an Npgsql connection string (never echoed: it holds a password).
/// </summary>
internal sealed class AssetLibraryConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new AssetLibraryOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(AssetLibraryOptions.SectionName), options, problems))
        {
            if (options.MaxUploadBytes is < 1 or > AssetLibraryOptions.MaxUploadBytesLimit)
            {
                problems.Add($"{AssetLibraryOptions.SectionName}:MaxUploadBytes must be between 1 and {AssetLibraryOptions.MaxUploadBytesLimit}.");
            }
            if (options.TaskLeaseSeconds is < AssetLibraryOptions.MinTaskLeaseSeconds or > AssetLibraryOptions.MaxTaskLeaseSeconds)
            {
                problems.Add($"{AssetLibraryOptions.SectionName}:TaskLeaseSeconds must be between {AssetLibraryOptions.MinTaskLeaseSeconds} " +
                    $"and {AssetLibraryOptions.MaxTaskLeaseSeconds}.");
            }
            if (options.TaskMaxAttempts is < 1 or > 100)
            {
                problems.Add($"{AssetLibraryOptions.SectionName}:TaskMaxAttempts must be between 1 and 100.");
            }
        }
        var connectionString = configuration.GetConnectionString(AssetLibraryOptions.ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException)
            {
                problems.Add($"ConnectionStrings:{AssetLibraryOptions.ConnectionStringName} is not a PostgreSQL (Npgsql) connection string.");
            }
        }
    }
}
