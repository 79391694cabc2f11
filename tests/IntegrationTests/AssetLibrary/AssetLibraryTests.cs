using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>The asset library's tests share one PostgreSQL server (each test takes its own database).</summary>
[CollectionDefinition(Name)]
public sealed class AssetLibraryTests : ICollectionFixture<PostgresFixture>
{
    public const string Name = "AssetLibrary";
}
