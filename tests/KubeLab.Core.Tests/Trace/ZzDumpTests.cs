using KubeLab.Core.Trace.Render;

namespace KubeLab.Core.Tests.Trace;

public class ZzDumpTests
{
    [Fact]
    public void Dump()
    {
        var r = SeedLab.Trace("seed", "test-pod", "http://nginx-service:80/");
        File.WriteAllText("/tmp/showtest/seed.txt", TextRenderer.Render(r));
        File.WriteAllText("/tmp/showtest/seed.mmd", MermaidRenderer.Render(r));
        File.WriteAllText("/tmp/showtest/seed.json", JsonRenderer.Render(r));
    }
}
