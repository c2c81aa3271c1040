using KubeLab.Core.Control;

namespace KubeLab.Server;

/// <summary>
/// How the API server changes the lab: <paramref name="change"/> runs on the lab's current state under the lab's
/// lock (the same lock every kubelab command takes), the data plane follows, and the new state is stored; a
/// change that throws leaves everything as it was.
/// </summary>
public interface ILabWriter
{
    ClusterState Commit(Func<ClusterState, ClusterState> change);
}
