using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

/// <summary>
/// The RBAC objects of k3s v1.29.5's packaged manifests (k3s-io/k3s manifests/: rolebindings.yaml, ccm.yaml, coredns.yaml,
/// local-storage.yaml, metrics-server/{aggregated-metrics-reader,auth-delegator,auth-reader,resource-reader}.yaml), of
/// the Traefik chart (traefik-25.0.3+up25.0.0's ClusterRole and ClusterRoleBinding traefik-kube-system, with Helm's
/// labels) and of helm-controller, which binds each chart's helm-NAME ServiceAccount to cluster-admin
/// (helm-kube-system-CHART). An add-on's objects are written only while it is enabled. They come after the other system
/// objects (see <see cref="ControlPlane.Bootstrap"/>).
/// </summary>
public static partial class SystemObjects
{
    /// <summary>The ClusterRoleBindings helm-controller (in k3s) makes, one per chart.</summary>
    private static readonly HashSet<string> ComponentBindings = new(StringComparer.Ordinal) { "helm-kube-system-traefik", "helm-kube-system-traefik-crd" };

    /// <summary>The packaged manifests' RBAC objects, as YAML.</summary>
    public static string RbacManifest(LabConfig config)
    {
        var yaml = new StringBuilder();
        yaml.Append("""
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: kube-apiserver-kubelet-admin
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: system:kubelet-api-admin
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: User
              name: kube-apiserver
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: system:k3s-controller
            rules:
            - apiGroups:
              - ""
              resources:
              - nodes
              verbs:
              - get
            - apiGroups:
              - ""
              resources:
              - namespaces
              verbs:
              - list
              - watch
            - apiGroups:
              - networking.k8s.io
              resources:
              - networkpolicies
              verbs:
              - list
              - watch
            - apiGroups:
              - ""
              resources:
              - endpoints
              - pods
              verbs:
              - list
              - get
              - watch
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: system:k3s-controller
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: system:k3s-controller
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: User
              name: system:k3s-controller
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: clustercidrs-node
            rules:
            - apiGroups:
              - networking.k8s.io
              resources:
              - clustercidrs
              verbs:
              - list
              - watch
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: clustercidrs-node
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: clustercidrs-node
            subjects:
            - kind: Group
              name: system:nodes
              apiGroup: rbac.authorization.k8s.io
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: k3s-cloud-controller-manager
            rules:
            - apiGroups:
              - coordination.k8s.io
              resources:
              - leases
              verbs:
              - get
              - create
              - update
            - apiGroups:
              - ""
              resources:
              - events
              verbs:
              - create
              - patch
              - update
            - apiGroups:
              - ""
              resources:
              - nodes
              verbs:
              - "*"
            - apiGroups:
              - ""
              resources:
              - nodes/status
              verbs:
              - patch
            - apiGroups:
              - ""
              resources:
              - services
              verbs:
              - list
              - patch
              - update
              - watch
            - apiGroups:
              - ""
              resources:
              - serviceaccounts
              verbs:
              - create
            - apiGroups:
              - ""
              resources:
              - persistentvolumes
              verbs:
              - get
              - list
              - update
              - watch
            - apiGroups:
              - ""
              resources:
              - endpoints
              verbs:
              - create
              - get
              - list
              - watch
              - update
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: k3s-cloud-controller-manager
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: k3s-cloud-controller-manager
            subjects:
            - kind: User
              name: k3s-cloud-controller-manager
              namespace: kube-system
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: k3s-cloud-controller-manager-auth-delegator
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: system:auth-delegator
            subjects:
            - kind: User
              name: k3s-cloud-controller-manager
              namespace: kube-system
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: k3s-cloud-controller-manager-authentication-reader
              namespace: kube-system
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: extension-apiserver-authentication-reader
            subjects:
            - kind: User
              name: k3s-cloud-controller-manager
              namespace: kube-system

            """);
        if (K3sAddons.Enabled(config, K3sAddons.CoreDns))
        {
            yaml.Append("""
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  labels:
                    kubernetes.io/bootstrapping: rbac-defaults
                  name: system:coredns
                rules:
                - apiGroups:
                  - ""
                  resources:
                  - endpoints
                  - services
                  - pods
                  - namespaces
                  verbs:
                  - list
                  - watch
                - apiGroups:
                  - discovery.k8s.io
                  resources:
                  - endpointslices
                  verbs:
                  - list
                  - watch
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  annotations:
                    rbac.authorization.kubernetes.io/autoupdate: "true"
                  labels:
                    kubernetes.io/bootstrapping: rbac-defaults
                  name: system:coredns
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: system:coredns
                subjects:
                - kind: ServiceAccount
                  name: coredns
                  namespace: kube-system

                """);
        }

        if (K3sAddons.Enabled(config, K3sAddons.LocalStorage))
        {
            yaml.Append("""
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: local-path-provisioner-role
                rules:
                - apiGroups:
                  - ""
                  resources:
                  - nodes
                  - persistentvolumeclaims
                  - configmaps
                  - pods/log
                  verbs:
                  - get
                  - list
                  - watch
                - apiGroups:
                  - ""
                  resources:
                  - endpoints
                  - persistentvolumes
                  - pods
                  verbs:
                  - "*"
                - apiGroups:
                  - ""
                  resources:
                  - events
                  verbs:
                  - create
                  - patch
                - apiGroups:
                  - storage.k8s.io
                  resources:
                  - storageclasses
                  verbs:
                  - get
                  - list
                  - watch
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: local-path-provisioner-bind
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: local-path-provisioner-role
                subjects:
                - kind: ServiceAccount
                  name: local-path-provisioner-service-account
                  namespace: kube-system

                """);
        }

        if (K3sAddons.Enabled(config, K3sAddons.MetricsServer))
        {
            yaml.Append("""
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: system:aggregated-metrics-reader
                  labels:
                    rbac.authorization.k8s.io/aggregate-to-view: "true"
                    rbac.authorization.k8s.io/aggregate-to-edit: "true"
                    rbac.authorization.k8s.io/aggregate-to-admin: "true"
                rules:
                - apiGroups:
                  - metrics.k8s.io
                  resources:
                  - pods
                  - nodes
                  verbs:
                  - get
                  - list
                  - watch
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: metrics-server:system:auth-delegator
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: system:auth-delegator
                subjects:
                - kind: ServiceAccount
                  name: metrics-server
                  namespace: kube-system
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: metrics-server-auth-reader
                  namespace: kube-system
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: Role
                  name: extension-apiserver-authentication-reader
                subjects:
                - kind: ServiceAccount
                  name: metrics-server
                  namespace: kube-system
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: system:metrics-server
                rules:
                - apiGroups:
                  - ""
                  resources:
                  - nodes/metrics
                  verbs:
                  - get
                - apiGroups:
                  - ""
                  resources:
                  - pods
                  - nodes
                  verbs:
                  - get
                  - list
                  - watch
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: system:metrics-server
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: system:metrics-server
                subjects:
                - kind: ServiceAccount
                  name: metrics-server
                  namespace: kube-system

                """);
        }

        if (K3sAddons.Enabled(config, K3sAddons.Traefik))
        {
            yaml.Append(HelmControllerBinding("traefik-crd"));
            yaml.Append(HelmControllerBinding("traefik"));
            yaml.Append($"""
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: traefik-kube-system
                {TraefikHelmMetadata}
                rules:
                - apiGroups:
                  - extensions
                  - networking.k8s.io
                  resources:
                  - ingressclasses
                  - ingresses
                  verbs:
                  - get
                  - list
                  - watch
                - apiGroups:
                  - ""
                  resources:
                  - services
                  - endpoints
                  - secrets
                  verbs:
                  - get
                  - list
                  - watch
                - apiGroups:
                  - extensions
                  - networking.k8s.io
                  resources:
                  - ingresses/status
                  verbs:
                  - update
                - apiGroups:
                  - traefik.io
                  - traefik.containo.us
                  resources:
                  - ingressroutes
                  - ingressroutetcps
                  - ingressrouteudps
                  - middlewares
                  - middlewaretcps
                  - tlsoptions
                  - tlsstores
                  - traefikservices
                  - serverstransports
                  verbs:
                  - get
                  - list
                  - watch
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: traefik-kube-system
                {TraefikHelmMetadata}
                roleRef:
                  apiGroup: rbac.authorization.k8s.io
                  kind: ClusterRole
                  name: traefik-kube-system
                subjects:
                - kind: ServiceAccount
                  name: traefik
                  namespace: kube-system

                """);
        }

        return yaml.ToString();
    }

    /// <summary>helm-controller v0.15.9's binding of a chart's install account to cluster-admin (pkg/controllers/chart/chart.go roleBinding()).</summary>
    private static string HelmControllerBinding(string chart) => $"""
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: helm-kube-system-{chart}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: cluster-admin
        subjects:
        - kind: ServiceAccount
          name: helm-{chart}
          namespace: kube-system

        """;
}
