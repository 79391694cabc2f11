namespace ModelGateway.UnitTests.Architecture;

public sealed class NamespaceGraphTests
{
    [Fact]
    public void Cycles_ThreeNamespacesInARingAndOneOutside_RingFound()
    {
        var edges = Graph(("A", "B"), ("B", "C"), ("C", "A"), ("D", "A"));

        var cycle = Assert.Single(NamespaceGraph.Cycles(edges));

        Assert.Equal(["A", "B", "C"], cycle);
    }

    [Fact]
    public void Cycles_LayeredGraph_None()
    {
        var edges = Graph(("Hosting", "Metadata"), ("Metadata", "Egress"), ("Metadata", "Primitives"), ("Egress", "Primitives"), ("Hosting", "Primitives"));

        Assert.Empty(NamespaceGraph.Cycles(edges));
    }

    [Fact]
    public void Cycles_TwoSeparateCycles_BothFound()
    {
        var edges = Graph(("A", "B"), ("B", "A"), ("C", "D"), ("D", "C"), ("B", "C"));

        Assert.Equal([["A", "B"], ["C", "D"]], NamespaceGraph.Cycles(edges).OrderBy(c => c[0], StringComparer.Ordinal));
    }

    [Fact]
    public void Build_TwoNamespacesReferringToEachOthersConstants_CycleFound()
    {
        // A constant is inlined in IL: only binding the sources sees this reference.
        var graph = NamespaceGraph.Build(
        [
            new SourceFile("Low", "Low/Codes.cs", "namespace Low; public static class Codes { public const string X = High.Names.Y; }"),
            new SourceFile("High", "High/Names.cs", "namespace High; public static class Names { public const string Y = \"y\"; public const string Z = Low.Codes.X; }"),
        ], NamespaceGraph.PlatformReferences("ModelGateway"));

        Assert.Equal(["High"], graph.Edges["Low"]);
        Assert.Equal(["Low"], graph.Edges["High"]);
        Assert.Equal(["High", "Low"], Assert.Single(NamespaceGraph.Cycles(graph.Edges)));
    }

    [Fact]
    public void Build_ReferencesByUsingExtensionMethodAndCref_AllEdgesFound()
    {
        var graph = NamespaceGraph.Build(
        [
            new SourceFile("Feature", "Feature/Thing.cs", "namespace Feature; public sealed class Thing { }"),
            new SourceFile("Feature", "Feature/ThingExtensions.cs",
                "namespace Microsoft.Extensions.DependencyInjection; public static class ThingExtensions { public static int AddThing(this string s) => s.Length; }"),
            new SourceFile("Hosting", "Hosting/Setup.cs", "namespace Hosting; public static class Setup { public static int Run() => \"x\".AddThing(); }"),
            new SourceFile("Docs", "Docs/Note.cs", "namespace Docs;\n/// <summary>See <see cref=\"Feature.Thing\"/>.</summary>\npublic static class Note { }"),
            new SourceFile("User", "User/Use.cs", "using Feature; namespace User; public static class Use { public static Thing Make() => new(); }"),
        ], NamespaceGraph.PlatformReferences("ModelGateway"));

        Assert.Equal(["Feature"], graph.Edges["Hosting"]);
        Assert.Equal(["Feature"], graph.Edges["Docs"]);
        Assert.Equal(["Feature"], graph.Edges["User"]);
        Assert.Empty(graph.Edges["Feature"]);
        Assert.Empty(NamespaceGraph.Cycles(graph.Edges));
    }

    [Fact]
    public void Build_CrefToARemovedType_Unresolved()
    {
        var graph = NamespaceGraph.Build(
        [
            new SourceFile("A", "A/Doc.cs", "namespace A;\n/// <summary>See <see cref=\"Gone\"/> and <see cref=\"Here\"/>.</summary>\npublic static class Here { }"),
        ], NamespaceGraph.PlatformReferences("ModelGateway"));

        Assert.Equal(["A/Doc.cs:2: Gone"], graph.UnresolvedCrefs);
    }

    private static Dictionary<string, SortedSet<string>> Graph(params (string From, string To)[] edges)
    {
        var graph = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (from, to) in edges)
        {
            (graph.TryGetValue(from, out var targets) ? targets : graph[from] = new(StringComparer.Ordinal)).Add(to);
            graph.TryAdd(to, new(StringComparer.Ordinal));
        }
        return graph;
    }
}
