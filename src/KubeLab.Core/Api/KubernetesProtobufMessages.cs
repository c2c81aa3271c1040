using System.Collections.Frozen;

namespace KubeLab.Core.Api;

/// <summary>How a field's values come: one, a repeated field (a JSON array) or a map (a JSON object).</summary>
public enum ProtobufShape
{
    Single,
    Repeated,
    Map,
}

/// <summary>What a field (or a map's value) holds: a scalar the JSON writes directly, or a message.</summary>
public enum ProtobufType
{
    String,
    Int,
    Bool,
    Bytes,
    Message,
}

/// <summary>
/// One field of a message: its number on the wire, its JSON name, and how Go's encoding/json writes it: Pointer (a
/// Go pointer: written when present, even if zero), Always (no omitempty: written even when zero or empty, slices
/// and maps as null), Inline (`json:",inline"`: the message's fields go into the parent object).
/// </summary>
public sealed record ProtobufField(int Number, string Name, ProtobufShape Shape, ProtobufType Type, string? Message, bool Pointer, bool Always, bool Inline);

/// <summary>
/// The messages <see cref="KubernetesProtobuf"/> reads, as a table: for each message its fields as
/// "number=jsonName:type" with type s (string), i (int32/int64), b (bool), y (bytes, base64 in JSON) or a message
/// name, "[]" before it for a repeated field and "{}" for a map from string, and after it "?" (a Go pointer), "!"
/// (no omitempty) or "^" (inline). Time, Quantity, IntOrString, FieldsV1 and ExtraValue are apimachinery's types
/// with a JSON form of their own.
/// <para>
/// Numbers, JSON names, pointers and omitempty are those of the Go types of Kubernetes v1.29 (k8s.io/api and
/// k8s.io/apimachinery v0.29.5: core/v1, apps/v1, batch/v1, rbac/v1, authorization/v1, autoscaling/v1, scheduling/v1 and meta/v1
/// types.go, each field's `json` and `protobuf` tags, the numbers as in their generated.proto); fields are listed in
/// the Go struct's order, which is the order encoding/json writes them in.
/// </para>
/// </summary>
public static class KubernetesProtobufMessages
{
    /// <summary>The kinds read from protobuf, by apiVersion and kind, with their message.</summary>
    private static readonly FrozenDictionary<(string ApiVersion, string Kind), string> Kinds = new Dictionary<(string, string), string>
    {
        [("v1", "ConfigMap")] = "ConfigMap",
        [("v1", "Endpoints")] = "Endpoints",
        [("v1", "Namespace")] = "Namespace",
        [("v1", "Pod")] = "Pod",
        [("v1", "Secret")] = "Secret",
        [("v1", "Service")] = "Service",
        [("v1", "ServiceAccount")] = "ServiceAccount",
        [("apps/v1", "DaemonSet")] = "DaemonSet",
        [("apps/v1", "Deployment")] = "Deployment",
        [("apps/v1", "ReplicaSet")] = "ReplicaSet",
        [("batch/v1", "Job")] = "Job",
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = "ClusterRole",
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = "ClusterRoleBinding",
        [("rbac.authorization.k8s.io/v1", "Role")] = "Role",
        [("rbac.authorization.k8s.io/v1", "RoleBinding")] = "RoleBinding",
        [("authorization.k8s.io/v1", "LocalSubjectAccessReview")] = "LocalSubjectAccessReview",
        [("authorization.k8s.io/v1", "SelfSubjectAccessReview")] = "SelfSubjectAccessReview",
        [("authorization.k8s.io/v1", "SelfSubjectRulesReview")] = "SelfSubjectRulesReview",
        [("authorization.k8s.io/v1", "SubjectAccessReview")] = "SubjectAccessReview",
        [("autoscaling/v1", "Scale")] = "Scale",
        [("scheduling.k8s.io/v1", "PriorityClass")] = "PriorityClass",
    }.ToFrozenDictionary();

    /// <summary>The kinds, for the 415 that names what else was sent.</summary>
    public static string KindList { get; } = string.Join(", ", Kinds.Keys.Select(k => k.Kind).Append("DeleteOptions").Order(StringComparer.Ordinal));

    private static readonly FrozenSet<string> Specials = FrozenSet.Create(StringComparer.Ordinal, "Time", "Quantity", "IntOrString", "FieldsV1", "ExtraValue");

    /// <summary>The message of a kind; DeleteOptions (meta/v1's, registered in every group version) under any apiVersion.</summary>
    public static bool ForKind(string apiVersion, string kind, out string message)
    {
        if (kind == "DeleteOptions")
        {
            message = "DeleteOptions";
            return true;
        }

        return Kinds.TryGetValue((apiVersion, kind), out message!);
    }

    public static IReadOnlyList<ProtobufField> Fields(string message) =>
        Messages.TryGetValue(message, out var fields) ? fields : throw new InvalidOperationException($"protobuf message {message} is not in the table");

    /// <summary>Every message of the table with its fields (the table checks itself: a test reads every entry).</summary>
    public static FrozenDictionary<string, ProtobufField[]> Messages => Parsed.Value;


    private static ProtobufField[] Parse(string message, string spec) =>
        [.. spec.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(token =>
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            var colon = token.IndexOf(':', StringComparison.Ordinal);
            if (equals < 1 || colon < equals)
            {
                throw new InvalidOperationException($"protobuf table: {message}: \"{token}\" is not number=name:type");
            }

            var number = int.Parse(token[..equals], System.Globalization.CultureInfo.InvariantCulture);
            var name = token[(equals + 1)..colon];
            var type = token[(colon + 1)..].TrimEnd('?', '!', '^');
            var flags = token[(colon + 1 + type.Length)..];
            var shape = type.StartsWith("[]", StringComparison.Ordinal) ? ProtobufShape.Repeated : type.StartsWith("{}", StringComparison.Ordinal) ? ProtobufShape.Map : ProtobufShape.Single;
            if (shape != ProtobufShape.Single)
            {
                type = type[2..];
            }

            var (scalar, reference) = type switch
            {
                "s" => (ProtobufType.String, null),
                "i" => (ProtobufType.Int, null),
                "b" => (ProtobufType.Bool, null),
                "y" => (ProtobufType.Bytes, (string?)null),
                _ when Table.ContainsKey(type) || Specials.Contains(type) => (ProtobufType.Message, type),
                _ => throw new InvalidOperationException($"protobuf table: {message}.{name}: no message {type}"),
            };
            return new ProtobufField(number, name, shape, scalar, reference, flags.Contains('?', StringComparison.Ordinal), flags.Contains('!', StringComparison.Ordinal), flags.Contains('^', StringComparison.Ordinal));
        })];

    private static readonly Dictionary<string, string> Table = new(StringComparer.Ordinal)
    {
        ["Preconditions"] = "1=uid:s? 2=resourceVersion:s?",
        ["DeleteOptions"] = "1=gracePeriodSeconds:i? 2=preconditions:Preconditions? 3=orphanDependents:b? 4=propagationPolicy:s? 5=dryRun:[]s",
        ["OwnerReference"] = "5=apiVersion:s! 1=kind:s! 3=name:s! 4=uid:s! 6=controller:b? 7=blockOwnerDeletion:b?",
        ["ManagedFieldsEntry"] =
            "1=manager:s 2=operation:s 3=apiVersion:s 4=time:Time? 6=fieldsType:s 7=fieldsV1:FieldsV1? " +
            "8=subresource:s",
        ["ObjectMeta"] =
            "1=name:s 2=generateName:s 3=namespace:s 4=selfLink:s 5=uid:s 6=resourceVersion:s 7=generation:i " +
            "8=creationTimestamp:Time 9=deletionTimestamp:Time? 10=deletionGracePeriodSeconds:i? 11=labels:{}s " +
            "12=annotations:{}s 13=ownerReferences:[]OwnerReference 14=finalizers:[]s " +
            "17=managedFields:[]ManagedFieldsEntry",
        ["NamespaceSpec"] = "1=finalizers:[]s",
        ["NamespaceCondition"] = "1=type:s! 2=status:s! 4=lastTransitionTime:Time 5=reason:s 6=message:s",
        ["NamespaceStatus"] = "1=phase:s 2=conditions:[]NamespaceCondition",
        ["Namespace"] = "1=metadata:ObjectMeta 2=spec:NamespaceSpec 3=status:NamespaceStatus",
        ["Secret"] = "1=metadata:ObjectMeta 5=immutable:b? 2=data:{}y 4=stringData:{}s 3=type:s",
        ["ConfigMap"] = "1=metadata:ObjectMeta 4=immutable:b? 2=data:{}s 3=binaryData:{}y",
        ["ServicePort"] = "1=name:s 2=protocol:s 6=appProtocol:s? 3=port:i! 4=targetPort:IntOrString 5=nodePort:i",
        ["ClientIPConfig"] = "1=timeoutSeconds:i?",
        ["SessionAffinityConfig"] = "1=clientIP:ClientIPConfig?",
        ["ServiceSpec"] =
            "1=ports:[]ServicePort 2=selector:{}s 3=clusterIP:s 18=clusterIPs:[]s 4=type:s 5=externalIPs:[]s " +
            "7=sessionAffinity:s 8=loadBalancerIP:s 9=loadBalancerSourceRanges:[]s 10=externalName:s " +
            "11=externalTrafficPolicy:s 12=healthCheckNodePort:i 13=publishNotReadyAddresses:b " +
            "14=sessionAffinityConfig:SessionAffinityConfig? 19=ipFamilies:[]s 17=ipFamilyPolicy:s? " +
            "20=allocateLoadBalancerNodePorts:b? 21=loadBalancerClass:s? 22=internalTrafficPolicy:s?",
        ["PortStatus"] = "1=port:i! 2=protocol:s! 3=error:s?",
        ["LoadBalancerIngress"] = "1=ip:s 2=hostname:s 3=ipMode:s? 4=ports:[]PortStatus",
        ["LoadBalancerStatus"] = "1=ingress:[]LoadBalancerIngress",
        ["Condition"] = "1=type:s! 2=status:s! 3=observedGeneration:i 4=lastTransitionTime:Time 5=reason:s! 6=message:s!",
        ["ServiceStatus"] = "1=loadBalancer:LoadBalancerStatus 2=conditions:[]Condition",
        ["Service"] = "1=metadata:ObjectMeta 2=spec:ServiceSpec 3=status:ServiceStatus",
        ["ObjectReference"] = "1=kind:s 2=namespace:s 3=name:s 4=uid:s 5=apiVersion:s 6=resourceVersion:s 7=fieldPath:s",
        ["LocalObjectReference"] = "1=name:s",
        ["ServiceAccount"] =
            "1=metadata:ObjectMeta 2=secrets:[]ObjectReference 3=imagePullSecrets:[]LocalObjectReference " +
            "4=automountServiceAccountToken:b?",
        ["EndpointAddress"] = "1=ip:s! 3=hostname:s 4=nodeName:s? 2=targetRef:ObjectReference?",
        ["EndpointPort"] = "1=name:s 2=port:i! 3=protocol:s 4=appProtocol:s?",
        ["EndpointSubset"] = "1=addresses:[]EndpointAddress 2=notReadyAddresses:[]EndpointAddress 3=ports:[]EndpointPort",
        ["Endpoints"] = "1=metadata:ObjectMeta 2=subsets:[]EndpointSubset",
        ["HostPathVolumeSource"] = "1=path:s! 2=type:s?",
        ["EmptyDirVolumeSource"] = "1=medium:s 2=sizeLimit:Quantity?",
        ["GCEPersistentDiskVolumeSource"] = "1=pdName:s! 2=fsType:s 3=partition:i 4=readOnly:b",
        ["AWSElasticBlockStoreVolumeSource"] = "1=volumeID:s! 2=fsType:s 3=partition:i 4=readOnly:b",
        ["GitRepoVolumeSource"] = "1=repository:s! 2=revision:s 3=directory:s",
        ["KeyToPath"] = "1=key:s! 2=path:s! 3=mode:i?",
        ["SecretVolumeSource"] = "1=secretName:s 2=items:[]KeyToPath 3=defaultMode:i? 4=optional:b?",
        ["NFSVolumeSource"] = "1=server:s! 2=path:s! 3=readOnly:b",
        ["ISCSIVolumeSource"] =
            "1=targetPortal:s! 2=iqn:s! 3=lun:i! 4=iscsiInterface:s 5=fsType:s 6=readOnly:b 7=portals:[]s " +
            "8=chapAuthDiscovery:b 11=chapAuthSession:b 10=secretRef:LocalObjectReference? 12=initiatorName:s?",
        ["GlusterfsVolumeSource"] = "1=endpoints:s! 2=path:s! 3=readOnly:b",
        ["PersistentVolumeClaimVolumeSource"] = "1=claimName:s! 2=readOnly:b",
        ["RBDVolumeSource"] =
            "1=monitors:[]s! 2=image:s! 3=fsType:s 4=pool:s 5=user:s 6=keyring:s " +
            "7=secretRef:LocalObjectReference? 8=readOnly:b",
        ["FlexVolumeSource"] = "1=driver:s! 2=fsType:s 3=secretRef:LocalObjectReference? 4=readOnly:b 5=options:{}s",
        ["CinderVolumeSource"] = "1=volumeID:s! 2=fsType:s 3=readOnly:b 4=secretRef:LocalObjectReference?",
        ["CephFSVolumeSource"] = "1=monitors:[]s! 2=path:s 3=user:s 4=secretFile:s 5=secretRef:LocalObjectReference? 6=readOnly:b",
        ["FlockerVolumeSource"] = "1=datasetName:s 2=datasetUUID:s",
        ["ObjectFieldSelector"] = "1=apiVersion:s 2=fieldPath:s!",
        ["ResourceFieldSelector"] = "1=containerName:s 2=resource:s! 3=divisor:Quantity",
        ["DownwardAPIVolumeFile"] = "1=path:s! 2=fieldRef:ObjectFieldSelector? 3=resourceFieldRef:ResourceFieldSelector? 4=mode:i?",
        ["DownwardAPIVolumeSource"] = "1=items:[]DownwardAPIVolumeFile 2=defaultMode:i?",
        ["FCVolumeSource"] = "1=targetWWNs:[]s 2=lun:i? 3=fsType:s 4=readOnly:b 5=wwids:[]s",
        ["AzureFileVolumeSource"] = "1=secretName:s! 2=shareName:s! 3=readOnly:b",
        ["ConfigMapVolumeSource"] = "1=:LocalObjectReference^ 2=items:[]KeyToPath 3=defaultMode:i? 4=optional:b?",
        ["VsphereVirtualDiskVolumeSource"] = "1=volumePath:s! 2=fsType:s 3=storagePolicyName:s 4=storagePolicyID:s",
        ["QuobyteVolumeSource"] = "1=registry:s! 2=volume:s! 3=readOnly:b 4=user:s 5=group:s 6=tenant:s",
        ["AzureDiskVolumeSource"] = "1=diskName:s! 2=diskURI:s! 3=cachingMode:s? 4=fsType:s? 5=readOnly:b? 6=kind:s?",
        ["PhotonPersistentDiskVolumeSource"] = "1=pdID:s! 2=fsType:s",
        ["SecretProjection"] = "1=:LocalObjectReference^ 2=items:[]KeyToPath 4=optional:b?",
        ["DownwardAPIProjection"] = "1=items:[]DownwardAPIVolumeFile",
        ["ConfigMapProjection"] = "1=:LocalObjectReference^ 2=items:[]KeyToPath 4=optional:b?",
        ["ServiceAccountTokenProjection"] = "1=audience:s 2=expirationSeconds:i? 3=path:s!",
        ["LabelSelectorRequirement"] = "1=key:s! 2=operator:s! 3=values:[]s",
        ["LabelSelector"] = "1=matchLabels:{}s 2=matchExpressions:[]LabelSelectorRequirement",
        ["ClusterTrustBundleProjection"] = "1=name:s? 2=signerName:s? 3=labelSelector:LabelSelector? 5=optional:b? 4=path:s!",
        ["VolumeProjection"] =
            "1=secret:SecretProjection? 2=downwardAPI:DownwardAPIProjection? 3=configMap:ConfigMapProjection? " +
            "4=serviceAccountToken:ServiceAccountTokenProjection? " +
            "5=clusterTrustBundle:ClusterTrustBundleProjection?",
        ["ProjectedVolumeSource"] = "1=sources:[]VolumeProjection! 2=defaultMode:i?",
        ["PortworxVolumeSource"] = "1=volumeID:s! 2=fsType:s 3=readOnly:b",
        ["ScaleIOVolumeSource"] =
            "1=gateway:s! 2=system:s! 3=secretRef:LocalObjectReference? 4=sslEnabled:b 5=protectionDomain:s " +
            "6=storagePool:s 7=storageMode:s 8=volumeName:s 9=fsType:s 10=readOnly:b",
        ["StorageOSVolumeSource"] = "1=volumeName:s 2=volumeNamespace:s 3=fsType:s 4=readOnly:b 5=secretRef:LocalObjectReference?",
        ["CSIVolumeSource"] =
            "1=driver:s! 2=readOnly:b? 3=fsType:s? 4=volumeAttributes:{}s " +
            "5=nodePublishSecretRef:LocalObjectReference?",
        ["VolumeResourceRequirements"] = "1=limits:{}Quantity 2=requests:{}Quantity",
        ["TypedLocalObjectReference"] = "1=apiGroup:s? 2=kind:s! 3=name:s!",
        ["TypedObjectReference"] = "1=apiGroup:s? 2=kind:s! 3=name:s! 4=namespace:s?",
        ["PersistentVolumeClaimSpec"] =
            "1=accessModes:[]s 4=selector:LabelSelector? 2=resources:VolumeResourceRequirements 3=volumeName:s " +
            "5=storageClassName:s? 6=volumeMode:s? 7=dataSource:TypedLocalObjectReference? " +
            "8=dataSourceRef:TypedObjectReference? 9=volumeAttributesClassName:s?",
        ["PersistentVolumeClaimTemplate"] = "1=metadata:ObjectMeta 2=spec:PersistentVolumeClaimSpec",
        ["EphemeralVolumeSource"] = "1=volumeClaimTemplate:PersistentVolumeClaimTemplate?",
        ["VolumeSource"] =
            "1=hostPath:HostPathVolumeSource? 2=emptyDir:EmptyDirVolumeSource? " +
            "3=gcePersistentDisk:GCEPersistentDiskVolumeSource? " +
            "4=awsElasticBlockStore:AWSElasticBlockStoreVolumeSource? 5=gitRepo:GitRepoVolumeSource? " +
            "6=secret:SecretVolumeSource? 7=nfs:NFSVolumeSource? 8=iscsi:ISCSIVolumeSource? " +
            "9=glusterfs:GlusterfsVolumeSource? 10=persistentVolumeClaim:PersistentVolumeClaimVolumeSource? " +
            "11=rbd:RBDVolumeSource? 12=flexVolume:FlexVolumeSource? 13=cinder:CinderVolumeSource? " +
            "14=cephfs:CephFSVolumeSource? 15=flocker:FlockerVolumeSource? " +
            "16=downwardAPI:DownwardAPIVolumeSource? 17=fc:FCVolumeSource? 18=azureFile:AzureFileVolumeSource? " +
            "19=configMap:ConfigMapVolumeSource? 20=vsphereVolume:VsphereVirtualDiskVolumeSource? " +
            "21=quobyte:QuobyteVolumeSource? 22=azureDisk:AzureDiskVolumeSource? " +
            "23=photonPersistentDisk:PhotonPersistentDiskVolumeSource? 26=projected:ProjectedVolumeSource? " +
            "24=portworxVolume:PortworxVolumeSource? 25=scaleIO:ScaleIOVolumeSource? " +
            "27=storageos:StorageOSVolumeSource? 28=csi:CSIVolumeSource? 29=ephemeral:EphemeralVolumeSource?",
        ["Volume"] = "1=name:s! 2=:VolumeSource^",
        ["ContainerPort"] = "1=name:s 2=hostPort:i 3=containerPort:i! 4=protocol:s 5=hostIP:s",
        ["ConfigMapEnvSource"] = "1=:LocalObjectReference^ 2=optional:b?",
        ["SecretEnvSource"] = "1=:LocalObjectReference^ 2=optional:b?",
        ["EnvFromSource"] = "1=prefix:s 2=configMapRef:ConfigMapEnvSource? 3=secretRef:SecretEnvSource?",
        ["ConfigMapKeySelector"] = "1=:LocalObjectReference^ 2=key:s! 3=optional:b?",
        ["SecretKeySelector"] = "1=:LocalObjectReference^ 2=key:s! 3=optional:b?",
        ["EnvVarSource"] =
            "1=fieldRef:ObjectFieldSelector? 2=resourceFieldRef:ResourceFieldSelector? " +
            "3=configMapKeyRef:ConfigMapKeySelector? 4=secretKeyRef:SecretKeySelector?",
        ["EnvVar"] = "1=name:s! 2=value:s 3=valueFrom:EnvVarSource?",
        ["ResourceClaim"] = "1=name:s!",
        ["ResourceRequirements"] = "1=limits:{}Quantity 2=requests:{}Quantity 3=claims:[]ResourceClaim",
        ["ContainerResizePolicy"] = "1=resourceName:s! 2=restartPolicy:s!",
        ["VolumeMount"] = "1=name:s! 2=readOnly:b 3=mountPath:s! 4=subPath:s 5=mountPropagation:s? 6=subPathExpr:s",
        ["VolumeDevice"] = "1=name:s! 2=devicePath:s!",
        ["ExecAction"] = "1=command:[]s",
        ["HTTPHeader"] = "1=name:s! 2=value:s!",
        ["HTTPGetAction"] = "1=path:s 2=port:IntOrString 3=host:s 4=scheme:s 5=httpHeaders:[]HTTPHeader",
        ["TCPSocketAction"] = "1=port:IntOrString 2=host:s",
        ["GRPCAction"] = "1=port:i! 2=service:s?",
        ["ProbeHandler"] = "1=exec:ExecAction? 2=httpGet:HTTPGetAction? 3=tcpSocket:TCPSocketAction? 4=grpc:GRPCAction?",
        ["Probe"] =
            "1=:ProbeHandler^ 2=initialDelaySeconds:i 3=timeoutSeconds:i 4=periodSeconds:i 5=successThreshold:i " +
            "6=failureThreshold:i 7=terminationGracePeriodSeconds:i?",
        ["SleepAction"] = "1=seconds:i!",
        ["LifecycleHandler"] = "1=exec:ExecAction? 2=httpGet:HTTPGetAction? 3=tcpSocket:TCPSocketAction? 4=sleep:SleepAction?",
        ["Lifecycle"] = "1=postStart:LifecycleHandler? 2=preStop:LifecycleHandler?",
        ["Capabilities"] = "1=add:[]s 2=drop:[]s",
        ["SELinuxOptions"] = "1=user:s 2=role:s 3=type:s 4=level:s",
        ["WindowsSecurityContextOptions"] = "1=gmsaCredentialSpecName:s? 2=gmsaCredentialSpec:s? 3=runAsUserName:s? 4=hostProcess:b?",
        ["SeccompProfile"] = "1=type:s! 2=localhostProfile:s?",
        ["SecurityContext"] =
            "1=capabilities:Capabilities? 2=privileged:b? 3=seLinuxOptions:SELinuxOptions? " +
            "10=windowsOptions:WindowsSecurityContextOptions? 4=runAsUser:i? 8=runAsGroup:i? 5=runAsNonRoot:b? " +
            "6=readOnlyRootFilesystem:b? 7=allowPrivilegeEscalation:b? 9=procMount:s? " +
            "11=seccompProfile:SeccompProfile?",
        ["Container"] =
            "1=name:s! 2=image:s 3=command:[]s 4=args:[]s 5=workingDir:s 6=ports:[]ContainerPort " +
            "19=envFrom:[]EnvFromSource 7=env:[]EnvVar 8=resources:ResourceRequirements " +
            "23=resizePolicy:[]ContainerResizePolicy 24=restartPolicy:s? 9=volumeMounts:[]VolumeMount " +
            "21=volumeDevices:[]VolumeDevice 10=livenessProbe:Probe? 11=readinessProbe:Probe? " +
            "22=startupProbe:Probe? 12=lifecycle:Lifecycle? 13=terminationMessagePath:s " +
            "20=terminationMessagePolicy:s 14=imagePullPolicy:s 15=securityContext:SecurityContext? 16=stdin:b " +
            "17=stdinOnce:b 18=tty:b",
        ["EphemeralContainerCommon"] =
            "1=name:s! 2=image:s 3=command:[]s 4=args:[]s 5=workingDir:s 6=ports:[]ContainerPort " +
            "19=envFrom:[]EnvFromSource 7=env:[]EnvVar 8=resources:ResourceRequirements " +
            "23=resizePolicy:[]ContainerResizePolicy 24=restartPolicy:s? 9=volumeMounts:[]VolumeMount " +
            "21=volumeDevices:[]VolumeDevice 10=livenessProbe:Probe? 11=readinessProbe:Probe? " +
            "22=startupProbe:Probe? 12=lifecycle:Lifecycle? 13=terminationMessagePath:s " +
            "20=terminationMessagePolicy:s 14=imagePullPolicy:s 15=securityContext:SecurityContext? 16=stdin:b " +
            "17=stdinOnce:b 18=tty:b",
        ["EphemeralContainer"] = "1=:EphemeralContainerCommon^ 2=targetContainerName:s",
        ["Sysctl"] = "1=name:s! 2=value:s!",
        ["PodSecurityContext"] =
            "1=seLinuxOptions:SELinuxOptions? 8=windowsOptions:WindowsSecurityContextOptions? 2=runAsUser:i? " +
            "6=runAsGroup:i? 3=runAsNonRoot:b? 4=supplementalGroups:[]i 5=fsGroup:i? 7=sysctls:[]Sysctl " +
            "9=fsGroupChangePolicy:s? 10=seccompProfile:SeccompProfile?",
        ["NodeSelectorRequirement"] = "1=key:s! 2=operator:s! 3=values:[]s",
        ["NodeSelectorTerm"] = "1=matchExpressions:[]NodeSelectorRequirement 2=matchFields:[]NodeSelectorRequirement",
        ["NodeSelector"] = "1=nodeSelectorTerms:[]NodeSelectorTerm!",
        ["PreferredSchedulingTerm"] = "1=weight:i! 2=preference:NodeSelectorTerm",
        ["NodeAffinity"] =
            "1=requiredDuringSchedulingIgnoredDuringExecution:NodeSelector? " +
            "2=preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm",
        ["PodAffinityTerm"] =
            "1=labelSelector:LabelSelector? 2=namespaces:[]s 3=topologyKey:s! 4=namespaceSelector:LabelSelector? " +
            "5=matchLabelKeys:[]s 6=mismatchLabelKeys:[]s",
        ["WeightedPodAffinityTerm"] = "1=weight:i! 2=podAffinityTerm:PodAffinityTerm",
        ["PodAffinity"] =
            "1=requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm " +
            "2=preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm",
        ["PodAntiAffinity"] =
            "1=requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm " +
            "2=preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm",
        ["Affinity"] = "1=nodeAffinity:NodeAffinity? 2=podAffinity:PodAffinity? 3=podAntiAffinity:PodAntiAffinity?",
        ["Toleration"] = "1=key:s 2=operator:s 3=value:s 4=effect:s 5=tolerationSeconds:i?",
        ["HostAlias"] = "1=ip:s 2=hostnames:[]s",
        ["PodDNSConfigOption"] = "1=name:s 2=value:s?",
        ["PodDNSConfig"] = "1=nameservers:[]s 2=searches:[]s 3=options:[]PodDNSConfigOption",
        ["PodReadinessGate"] = "1=conditionType:s!",
        ["TopologySpreadConstraint"] =
            "1=maxSkew:i! 2=topologyKey:s! 3=whenUnsatisfiable:s! 4=labelSelector:LabelSelector? 5=minDomains:i? " +
            "6=nodeAffinityPolicy:s? 7=nodeTaintsPolicy:s? 8=matchLabelKeys:[]s",
        ["PodOS"] = "1=name:s!",
        ["PodSchedulingGate"] = "1=name:s!",
        ["ClaimSource"] = "1=resourceClaimName:s? 2=resourceClaimTemplateName:s?",
        ["PodResourceClaim"] = "1=name:s! 2=source:ClaimSource",
        ["PodSpec"] =
            "1=volumes:[]Volume 20=initContainers:[]Container 2=containers:[]Container! " +
            "34=ephemeralContainers:[]EphemeralContainer 3=restartPolicy:s 4=terminationGracePeriodSeconds:i? " +
            "5=activeDeadlineSeconds:i? 6=dnsPolicy:s 7=nodeSelector:{}s 8=serviceAccountName:s " +
            "9=serviceAccount:s 21=automountServiceAccountToken:b? 10=nodeName:s 11=hostNetwork:b 12=hostPID:b " +
            "13=hostIPC:b 27=shareProcessNamespace:b? 14=securityContext:PodSecurityContext? " +
            "15=imagePullSecrets:[]LocalObjectReference 16=hostname:s 17=subdomain:s 18=affinity:Affinity? " +
            "19=schedulerName:s 22=tolerations:[]Toleration 23=hostAliases:[]HostAlias 24=priorityClassName:s " +
            "25=priority:i? 26=dnsConfig:PodDNSConfig? 28=readinessGates:[]PodReadinessGate " +
            "29=runtimeClassName:s? 30=enableServiceLinks:b? 31=preemptionPolicy:s? 32=overhead:{}Quantity " +
            "33=topologySpreadConstraints:[]TopologySpreadConstraint 35=setHostnameAsFQDN:b? 36=os:PodOS? " +
            "37=hostUsers:b? 38=schedulingGates:[]PodSchedulingGate 39=resourceClaims:[]PodResourceClaim",
        ["PodCondition"] = "1=type:s! 2=status:s! 3=lastProbeTime:Time 4=lastTransitionTime:Time 5=reason:s 6=message:s",
        ["HostIP"] = "1=ip:s",
        ["PodIP"] = "1=ip:s",
        ["ContainerStateWaiting"] = "1=reason:s 2=message:s",
        ["ContainerStateRunning"] = "1=startedAt:Time",
        ["ContainerStateTerminated"] = "1=exitCode:i! 2=signal:i 3=reason:s 4=message:s 5=startedAt:Time 6=finishedAt:Time 7=containerID:s",
        ["ContainerState"] =
            "1=waiting:ContainerStateWaiting? 2=running:ContainerStateRunning? " +
            "3=terminated:ContainerStateTerminated?",
        ["ContainerStatus"] =
            "1=name:s! 2=state:ContainerState 3=lastState:ContainerState 4=ready:b! 5=restartCount:i! 6=image:s! " +
            "7=imageID:s! 8=containerID:s 9=started:b? 10=allocatedResources:{}Quantity " +
            "11=resources:ResourceRequirements?",
        ["PodResourceClaimStatus"] = "1=name:s! 2=resourceClaimName:s?",
        ["PodStatus"] =
            "1=phase:s 2=conditions:[]PodCondition 3=message:s 4=reason:s 11=nominatedNodeName:s 5=hostIP:s " +
            "16=hostIPs:[]HostIP 6=podIP:s 12=podIPs:[]PodIP 7=startTime:Time? " +
            "10=initContainerStatuses:[]ContainerStatus 8=containerStatuses:[]ContainerStatus 9=qosClass:s " +
            "13=ephemeralContainerStatuses:[]ContainerStatus 14=resize:s " +
            "15=resourceClaimStatuses:[]PodResourceClaimStatus",
        ["Pod"] = "1=metadata:ObjectMeta 2=spec:PodSpec 3=status:PodStatus",
        ["PodTemplateSpec"] = "1=metadata:ObjectMeta 2=spec:PodSpec",
        ["RollingUpdateDeployment"] = "1=maxUnavailable:IntOrString? 2=maxSurge:IntOrString?",
        ["DeploymentStrategy"] = "1=type:s 2=rollingUpdate:RollingUpdateDeployment?",
        ["DeploymentSpec"] =
            "1=replicas:i? 2=selector:LabelSelector? 3=template:PodTemplateSpec 4=strategy:DeploymentStrategy " +
            "5=minReadySeconds:i 6=revisionHistoryLimit:i? 7=paused:b 9=progressDeadlineSeconds:i?",
        ["DeploymentCondition"] = "1=type:s! 2=status:s! 6=lastUpdateTime:Time 7=lastTransitionTime:Time 4=reason:s 5=message:s",
        ["DeploymentStatus"] =
            "1=observedGeneration:i 2=replicas:i 3=updatedReplicas:i 7=readyReplicas:i 4=availableReplicas:i " +
            "5=unavailableReplicas:i 6=conditions:[]DeploymentCondition 8=collisionCount:i?",
        ["Deployment"] = "1=metadata:ObjectMeta 2=spec:DeploymentSpec 3=status:DeploymentStatus",
        ["ReplicaSetSpec"] = "1=replicas:i? 4=minReadySeconds:i 2=selector:LabelSelector? 3=template:PodTemplateSpec",
        ["ReplicaSetCondition"] = "1=type:s! 2=status:s! 3=lastTransitionTime:Time 4=reason:s 5=message:s",
        ["ReplicaSetStatus"] =
            "1=replicas:i! 2=fullyLabeledReplicas:i 4=readyReplicas:i 5=availableReplicas:i " +
            "3=observedGeneration:i 6=conditions:[]ReplicaSetCondition",
        ["ReplicaSet"] = "1=metadata:ObjectMeta 2=spec:ReplicaSetSpec 3=status:ReplicaSetStatus",
        ["RollingUpdateDaemonSet"] = "1=maxUnavailable:IntOrString? 2=maxSurge:IntOrString?",
        ["DaemonSetUpdateStrategy"] = "1=type:s 2=rollingUpdate:RollingUpdateDaemonSet?",
        ["DaemonSetSpec"] =
            "1=selector:LabelSelector? 2=template:PodTemplateSpec 3=updateStrategy:DaemonSetUpdateStrategy " +
            "4=minReadySeconds:i 6=revisionHistoryLimit:i?",
        ["DaemonSetCondition"] = "1=type:s! 2=status:s! 3=lastTransitionTime:Time 4=reason:s 5=message:s",
        ["DaemonSetStatus"] =
            "1=currentNumberScheduled:i! 2=numberMisscheduled:i! 3=desiredNumberScheduled:i! 4=numberReady:i! " +
            "5=observedGeneration:i 6=updatedNumberScheduled:i 7=numberAvailable:i 8=numberUnavailable:i " +
            "9=collisionCount:i? 10=conditions:[]DaemonSetCondition",
        ["DaemonSet"] = "1=metadata:ObjectMeta 2=spec:DaemonSetSpec 3=status:DaemonSetStatus",
        ["PodFailurePolicyOnExitCodesRequirement"] = "1=containerName:s? 2=operator:s! 3=values:[]i!",
        ["PodFailurePolicyOnPodConditionsPattern"] = "1=type:s! 2=status:s!",
        ["PodFailurePolicyRule"] =
            "1=action:s! 2=onExitCodes:PodFailurePolicyOnExitCodesRequirement? " +
            "3=onPodConditions:[]PodFailurePolicyOnPodConditionsPattern!",
        ["PodFailurePolicy"] = "1=rules:[]PodFailurePolicyRule!",
        ["JobSpec"] =
            "1=parallelism:i? 2=completions:i? 3=activeDeadlineSeconds:i? 11=podFailurePolicy:PodFailurePolicy? " +
            "7=backoffLimit:i? 12=backoffLimitPerIndex:i? 13=maxFailedIndexes:i? 4=selector:LabelSelector? " +
            "5=manualSelector:b? 6=template:PodTemplateSpec 8=ttlSecondsAfterFinished:i? 9=completionMode:s? " +
            "10=suspend:b? 14=podReplacementPolicy:s?",
        ["JobCondition"] = "1=type:s! 2=status:s! 3=lastProbeTime:Time 4=lastTransitionTime:Time 5=reason:s 6=message:s",
        ["UncountedTerminatedPods"] = "1=succeeded:[]s 2=failed:[]s",
        ["JobStatus"] =
            "1=conditions:[]JobCondition 2=startTime:Time? 3=completionTime:Time? 4=active:i 5=succeeded:i " +
            "6=failed:i 11=terminating:i? 7=completedIndexes:s 10=failedIndexes:s? " +
            "8=uncountedTerminatedPods:UncountedTerminatedPods? 9=ready:i?",
        ["Job"] = "1=metadata:ObjectMeta 2=spec:JobSpec 3=status:JobStatus",
        ["PolicyRule"] = "1=verbs:[]s! 2=apiGroups:[]s 3=resources:[]s 4=resourceNames:[]s 5=nonResourceURLs:[]s",
        ["Role"] = "1=metadata:ObjectMeta 2=rules:[]PolicyRule!",
        ["Subject"] = "1=kind:s! 2=apiGroup:s 3=name:s! 4=namespace:s",
        ["RoleRef"] = "1=apiGroup:s! 2=kind:s! 3=name:s!",
        ["RoleBinding"] = "1=metadata:ObjectMeta 2=subjects:[]Subject 3=roleRef:RoleRef",
        ["AggregationRule"] = "1=clusterRoleSelectors:[]LabelSelector",
        ["ClusterRole"] = "1=metadata:ObjectMeta 2=rules:[]PolicyRule! 3=aggregationRule:AggregationRule?",
        ["ClusterRoleBinding"] = "1=metadata:ObjectMeta 2=subjects:[]Subject 3=roleRef:RoleRef",
        ["ResourceAttributes"] = "1=namespace:s 2=verb:s 3=group:s 4=version:s 5=resource:s 6=subresource:s 7=name:s",
        ["NonResourceAttributes"] = "1=path:s 2=verb:s",
        ["SelfSubjectAccessReviewSpec"] = "1=resourceAttributes:ResourceAttributes? 2=nonResourceAttributes:NonResourceAttributes?",
        ["SubjectAccessReviewStatus"] = "1=allowed:b! 4=denied:b 2=reason:s 3=evaluationError:s",
        ["SelfSubjectAccessReview"] = "1=metadata:ObjectMeta 2=spec:SelfSubjectAccessReviewSpec 3=status:SubjectAccessReviewStatus",
        ["SelfSubjectRulesReviewSpec"] = "1=namespace:s",
        ["ResourceRule"] = "1=verbs:[]s! 2=apiGroups:[]s 3=resources:[]s 4=resourceNames:[]s",
        ["NonResourceRule"] = "1=verbs:[]s! 2=nonResourceURLs:[]s",
        ["SubjectRulesReviewStatus"] =
            "1=resourceRules:[]ResourceRule! 2=nonResourceRules:[]NonResourceRule! 3=incomplete:b! " +
            "4=evaluationError:s",
        ["SelfSubjectRulesReview"] = "1=metadata:ObjectMeta 2=spec:SelfSubjectRulesReviewSpec 3=status:SubjectRulesReviewStatus",
        ["SubjectAccessReviewSpec"] =
            "1=resourceAttributes:ResourceAttributes? 2=nonResourceAttributes:NonResourceAttributes? 3=user:s " +
            "4=groups:[]s 5=extra:{}ExtraValue 6=uid:s",
        ["SubjectAccessReview"] = "1=metadata:ObjectMeta 2=spec:SubjectAccessReviewSpec 3=status:SubjectAccessReviewStatus",
        ["LocalSubjectAccessReview"] = "1=metadata:ObjectMeta 2=spec:SubjectAccessReviewSpec 3=status:SubjectAccessReviewStatus",
        ["ScaleSpec"] = "1=replicas:i",
        ["ScaleStatus"] = "1=replicas:i! 2=selector:s",
        ["Scale"] = "1=metadata:ObjectMeta 2=spec:ScaleSpec 3=status:ScaleStatus",
        ["PriorityClass"] = "1=metadata:ObjectMeta 2=value:i! 3=globalDefault:b 4=description:s 5=preemptionPolicy:s?",
    };

    private static readonly Lazy<FrozenDictionary<string, ProtobufField[]>> Parsed = new(() => Table.ToFrozenDictionary(e => e.Key, e => Parse(e.Key, e.Value), StringComparer.Ordinal));
}
