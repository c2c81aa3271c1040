using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace KubeLab.Core.Tests;

/// <summary>The core is pure: no processes, sockets, files, HTTP, clocks or unseeded randomness.</summary>
public class ArchitectureTests
{
    private static readonly string[] ForbiddenTypes =
    [
        "System.Diagnostics.Process",
        "System.Net.Sockets.Socket",
        "System.Net.Sockets.UdpClient",
        "System.Net.Sockets.TcpClient",
        "System.Net.Http.HttpClient",
        "System.IO.File",
        "System.IO.Directory",
        "System.IO.FileStream",
        "System.IO.FileInfo",
        "System.Threading.Thread",
        "k8s.Kubernetes",
        "k8s.KubernetesClientConfiguration",
    ];

    private static readonly string[] ForbiddenMembers =
    [
        "System.DateTime.get_Now",
        "System.DateTime.get_UtcNow",
        "System.DateTimeOffset.get_Now",
        "System.DateTimeOffset.get_UtcNow",
        "System.Random.get_Shared",
        "System.Environment.GetEnvironmentVariable",
    ];

    [Fact]
    public void Core_references_nothing_that_does_io_or_reads_a_clock()
    {
        var path = typeof(KubeLab.Core.KubeLabException).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        string TypeName(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeReference => Full(metadata.GetTypeReference((TypeReferenceHandle)handle)),
            _ => "",
        };
        string Full(TypeReference t) => $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}";

        var types = metadata.TypeReferences.Select(h => Full(metadata.GetTypeReference(h))).ToHashSet();
        Assert.DoesNotContain(ForbiddenTypes, types.Contains);
        var members = metadata.MemberReferences.Select(h => metadata.GetMemberReference(h))
            .Select(m => $"{TypeName(m.Parent)}.{metadata.GetString(m.Name)}").ToHashSet();
        Assert.DoesNotContain(ForbiddenMembers, members.Contains);
        Assert.Contains("System.Net.IPAddress", types); // the check sees the core's references at all
    }

    [Fact]
    public void Core_references_no_web_server_and_none_of_the_outer_projects()
    {
        var references = typeof(KubeLab.Core.KubeLabException).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("System.Net.Primitives", references); // the check sees the core's references at all
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
            || r is "KubeLab.Realize" or "KubeLab.Ui" or "KubeLab.Server" or "kubelab" or "CliWrap");
    }

    [Fact]
    public void The_api_server_builds_on_core_alone_and_changes_the_lab_only_through_its_writer()
    {
        // the server's documents are Core's pure functions; the store, the drivers and the kernel are the agent's, which
        // hands the server an ILabWriter: the server never reaches past it into Realize or the CLI
        var references = typeof(KubeLab.Server.ApiServer).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("KubeLab.Core", references);
        Assert.Contains("Microsoft.AspNetCore.Server.Kestrel.Core", references);
        Assert.DoesNotContain(references, r => r is "KubeLab.Realize" or "KubeLab.Ui" or "kubelab" or "CliWrap");
    }

    [Fact]
    public void Ui_reads_the_lab_through_core_and_realize_and_never_through_the_cli()
    {
        var references = typeof(KubeLab.Ui.UiServer).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("KubeLab.Core", references);
        Assert.Contains("Microsoft.AspNetCore.Server.Kestrel.Core", references);
        Assert.DoesNotContain("kubelab", references);
    }

    [Fact]
    public void Random_without_a_seed_is_not_constructed_in_core()
    {
        var path = typeof(KubeLab.Core.KubeLabException).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var parameterless = metadata.MemberReferences.Select(h => metadata.GetMemberReference(h))
            .Where(m => metadata.GetString(m.Name) == ".ctor" && m.Parent.Kind == HandleKind.TypeReference
                && metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)m.Parent).Name) == "Random")
            .Select(m => m.DecodeMethodSignature(new ParameterCount(), null).ParameterTypes.Length)
            .ToList();
        Assert.DoesNotContain(0, parameterless);
    }

    private sealed class ParameterCount : ISignatureTypeProvider<int, object?>
    {
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetGenericInstantiation(int genericType, System.Collections.Immutable.ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? genericContext, int index) => 0;
        public int GetGenericTypeParameter(object? genericContext, int index) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => 0;
    }
}
