/* wg_dawn_api.h - our declarations of the part of Dawn's C API that wg_dawn.c
 * calls: handles, structs, enums, flags, callback and function-pointer types.
 *
 * Written by us from facts, not copied from a header: Dawn's C API of
 * 2025-06-24 (google/dawn df73f162), which is the ABI of npm
 * bun-webgpu-linux-x64@0.1.7's libwebgpu_wrapper.so (no header ships with it).
 * Sources:
 *   ../shared/reference/webgpu/abi-facts.md  sizes, alignments, field offsets,
 *       enum and flag values, callback parameter lists (x86_64 Linux), each
 *       struct below is checked against it with _Static_assert;
 *   ../shared/reference/webgpu/dawn.json     function names and parameters
 *       (method X of object Y is the C function wgpuYX, the object first),
 *       and the values of the enums abi-facts.md does not list (error
 *       filter, pop error scope status: marked below).
 *
 * Conventions of that API: strings are WGPUStringView (data + length, length
 * WGPU_STRLEN = "NUL-terminated"); enums are 32-bit and start at 0 =
 * Undefined/BindingNotUsed (so a zeroed struct means "default" / "not used");
 * WGPUBool is 32-bit; flags (buffer usage, map mode, shader stage) are 64-bit;
 * asynchronous calls take a *CallbackInfo by value and return a WGPUFuture
 * that wgpuInstanceWaitAny waits on.
 *
 * Only for wg_dawn.c: nothing here is exported by libllmcap-engine.
 */
#ifndef LLMCAP_WG_DAWN_API_H
#define LLMCAP_WG_DAWN_API_H

#include <stddef.h>
#include <stdint.h>

/* ---- scalars and handles ---- */

typedef uint32_t WGPUBool;
typedef uint64_t WGPUFlags;
typedef WGPUFlags WGPUBufferUsage;
typedef WGPUFlags WGPUMapMode;
typedef WGPUFlags WGPUShaderStage;

#define WGPU_STRLEN     SIZE_MAX    /* WGPUStringView.length: data is NUL-terminated */
#define WGPU_WHOLE_SIZE UINT64_MAX  /* WGPUBindGroupEntry.size: to the end of the buffer */

typedef struct WGPUInstanceImpl *WGPUInstance;
typedef struct WGPUAdapterImpl *WGPUAdapter;
typedef struct WGPUDeviceImpl *WGPUDevice;
typedef struct WGPUQueueImpl *WGPUQueue;
typedef struct WGPUBufferImpl *WGPUBuffer;
typedef struct WGPUShaderModuleImpl *WGPUShaderModule;
typedef struct WGPUBindGroupLayoutImpl *WGPUBindGroupLayout;
typedef struct WGPUPipelineLayoutImpl *WGPUPipelineLayout;
typedef struct WGPUComputePipelineImpl *WGPUComputePipeline;
typedef struct WGPUBindGroupImpl *WGPUBindGroup;
typedef struct WGPUCommandEncoderImpl *WGPUCommandEncoder;
typedef struct WGPUComputePassEncoderImpl *WGPUComputePassEncoder;
typedef struct WGPUCommandBufferImpl *WGPUCommandBuffer;
typedef struct WGPUQuerySetImpl *WGPUQuerySet;

/* ---- enums (32-bit; values from abi-facts.md, only those we use) ---- */

typedef enum WGPUSType {
    WGPUSType_ShaderSourceWGSL = 2,
    WGPUSType_DawnTogglesDescriptor = 327690,   /* 0x5000A */
    WGPUSType_AdapterPropertiesMemoryHeaps = 327699, /* 0x50013 */
    WGPUSType_AdapterPropertiesSubgroupMatrixConfigs = 327739, /* 0x5003B */
    WGPUSType_Force32 = 0x7fffffff
} WGPUSType;

typedef enum WGPUBackendType {
    WGPUBackendType_Undefined = 0,
    WGPUBackendType_Null = 1,
    WGPUBackendType_WebGPU = 2,
    WGPUBackendType_D3D11 = 3,
    WGPUBackendType_D3D12 = 4,
    WGPUBackendType_Metal = 5,
    WGPUBackendType_Vulkan = 6,
    WGPUBackendType_OpenGL = 7,
    WGPUBackendType_OpenGLES = 8,
    WGPUBackendType_Force32 = 0x7fffffff
} WGPUBackendType;

typedef enum WGPUAdapterType {
    WGPUAdapterType_DiscreteGPU = 1,
    WGPUAdapterType_IntegratedGPU = 2,
    WGPUAdapterType_CPU = 3,
    WGPUAdapterType_Unknown = 4,
    WGPUAdapterType_Force32 = 0x7fffffff
} WGPUAdapterType;

typedef enum WGPUFeatureLevel {
    WGPUFeatureLevel_Undefined = 0,
    WGPUFeatureLevel_Compatibility = 1,
    WGPUFeatureLevel_Core = 2,
    WGPUFeatureLevel_Force32 = 0x7fffffff
} WGPUFeatureLevel;

typedef enum WGPUPowerPreference {
    WGPUPowerPreference_Undefined = 0,
    WGPUPowerPreference_LowPower = 1,
    WGPUPowerPreference_HighPerformance = 2,
    WGPUPowerPreference_Force32 = 0x7fffffff
} WGPUPowerPreference;

typedef enum WGPUCallbackMode {
    WGPUCallbackMode_WaitAnyOnly = 1,
    WGPUCallbackMode_AllowProcessEvents = 2,
    WGPUCallbackMode_AllowSpontaneous = 3,
    WGPUCallbackMode_Force32 = 0x7fffffff
} WGPUCallbackMode;

typedef enum WGPURequestAdapterStatus {
    WGPURequestAdapterStatus_Success = 1,
    WGPURequestAdapterStatus_CallbackCancelled = 2,
    WGPURequestAdapterStatus_Unavailable = 3,
    WGPURequestAdapterStatus_Error = 4,
    WGPURequestAdapterStatus_Force32 = 0x7fffffff
} WGPURequestAdapterStatus;

typedef enum WGPURequestDeviceStatus {
    WGPURequestDeviceStatus_Success = 1,
    WGPURequestDeviceStatus_CallbackCancelled = 2,
    WGPURequestDeviceStatus_Error = 3,
    WGPURequestDeviceStatus_Force32 = 0x7fffffff
} WGPURequestDeviceStatus;

typedef enum WGPUMapAsyncStatus {
    WGPUMapAsyncStatus_Success = 1,
    WGPUMapAsyncStatus_CallbackCancelled = 2,
    WGPUMapAsyncStatus_Error = 3,
    WGPUMapAsyncStatus_Aborted = 4,
    WGPUMapAsyncStatus_Force32 = 0x7fffffff
} WGPUMapAsyncStatus;

typedef enum WGPUQueueWorkDoneStatus {
    WGPUQueueWorkDoneStatus_Success = 1,
    WGPUQueueWorkDoneStatus_CallbackCancelled = 2,
    WGPUQueueWorkDoneStatus_Error = 3,
    WGPUQueueWorkDoneStatus_Force32 = 0x7fffffff
} WGPUQueueWorkDoneStatus;

typedef enum WGPUWaitStatus {
    WGPUWaitStatus_Success = 1,
    WGPUWaitStatus_TimedOut = 2,
    WGPUWaitStatus_Error = 3,
    WGPUWaitStatus_Force32 = 0x7fffffff
} WGPUWaitStatus;

typedef enum WGPUBufferBindingType {
    WGPUBufferBindingType_BindingNotUsed = 0,
    WGPUBufferBindingType_Undefined = 1,
    WGPUBufferBindingType_Uniform = 2,
    WGPUBufferBindingType_Storage = 3,
    WGPUBufferBindingType_ReadOnlyStorage = 4,
    WGPUBufferBindingType_Force32 = 0x7fffffff
} WGPUBufferBindingType;

typedef enum WGPUErrorType {
    WGPUErrorType_NoError = 1,
    WGPUErrorType_Validation = 2,
    WGPUErrorType_OutOfMemory = 3,
    WGPUErrorType_Internal = 4,
    WGPUErrorType_Unknown = 5,
    WGPUErrorType_Force32 = 0x7fffffff
} WGPUErrorType;

/* dawn.json "error filter" */
typedef enum WGPUErrorFilter {
    WGPUErrorFilter_Validation = 1,
    WGPUErrorFilter_OutOfMemory = 2,
    WGPUErrorFilter_Internal = 3,
    WGPUErrorFilter_Force32 = 0x7fffffff
} WGPUErrorFilter;

/* dawn.json "pop error scope status" */
typedef enum WGPUPopErrorScopeStatus {
    WGPUPopErrorScopeStatus_Success = 1,
    WGPUPopErrorScopeStatus_CallbackCancelled = 2,
    WGPUPopErrorScopeStatus_Error = 3,
    WGPUPopErrorScopeStatus_Force32 = 0x7fffffff
} WGPUPopErrorScopeStatus;

typedef enum WGPUDeviceLostReason {
    WGPUDeviceLostReason_Unknown = 1,
    WGPUDeviceLostReason_Destroyed = 2,
    WGPUDeviceLostReason_CallbackCancelled = 3,
    WGPUDeviceLostReason_FailedCreation = 4,
    WGPUDeviceLostReason_Force32 = 0x7fffffff
} WGPUDeviceLostReason;

typedef enum WGPUFeatureName {
    WGPUFeatureName_TimestampQuery = 3,
    WGPUFeatureName_ShaderF16 = 10,
    WGPUFeatureName_Subgroups = 17,
    WGPUFeatureName_ChromiumExperimentalSubgroupMatrix = 327735, /* 0x50037 */
    WGPUFeatureName_AdapterPropertiesMemoryHeaps = 327701, /* 0x50015 */
    WGPUFeatureName_Force32 = 0x7fffffff
} WGPUFeatureName;

typedef enum WGPUQueryType {
    WGPUQueryType_Occlusion = 1,
    WGPUQueryType_Timestamp = 2,
    WGPUQueryType_Force32 = 0x7fffffff
} WGPUQueryType;

typedef enum WGPUStatus {
    WGPUStatus_Success = 1,
    WGPUStatus_Error = 2,
    WGPUStatus_Force32 = 0x7fffffff
} WGPUStatus;

/* ---- flags (64-bit) ---- */

#define WGPUBufferUsage_MapRead      ((WGPUBufferUsage)0x001)
#define WGPUBufferUsage_CopySrc      ((WGPUBufferUsage)0x004)
#define WGPUBufferUsage_CopyDst      ((WGPUBufferUsage)0x008)
#define WGPUBufferUsage_Uniform      ((WGPUBufferUsage)0x040)
#define WGPUBufferUsage_Storage      ((WGPUBufferUsage)0x080)
#define WGPUBufferUsage_QueryResolve ((WGPUBufferUsage)0x200)

#define WGPUMapMode_Read ((WGPUMapMode)0x1)

#define WGPUShaderStage_Compute ((WGPUShaderStage)0x4)

/* ---- structs ---- */

typedef struct WGPUStringView {
    const char *data;
    size_t length;          /* bytes, or WGPU_STRLEN */
} WGPUStringView;

typedef struct WGPUChainedStruct {
    struct WGPUChainedStruct *next;
    WGPUSType sType;
} WGPUChainedStruct;

typedef struct WGPUFuture {
    uint64_t id;
} WGPUFuture;

typedef struct WGPUFutureWaitInfo {
    WGPUFuture future;
    WGPUBool completed;
} WGPUFutureWaitInfo;

typedef struct WGPUInstanceCapabilities {
    WGPUChainedStruct *nextInChain;
    WGPUBool timedWaitAnyEnable;
    size_t timedWaitAnyMaxCount;   /* 0 = Dawn's default */
} WGPUInstanceCapabilities;

typedef struct WGPUInstanceDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUInstanceCapabilities capabilities;   /* inline, not a pointer */
} WGPUInstanceDescriptor;

typedef struct WGPURequestAdapterOptions {
    WGPUChainedStruct *nextInChain;
    WGPUFeatureLevel featureLevel;
    WGPUPowerPreference powerPreference;
    WGPUBool forceFallbackAdapter;
    WGPUBackendType backendType;
    void *compatibleSurface;       /* WGPUSurface; always NULL here */
} WGPURequestAdapterOptions;

/* ---- callback types (all return void) ---- */

typedef void (*WGPURequestAdapterCallback)(WGPURequestAdapterStatus status, WGPUAdapter adapter,
                                           WGPUStringView message, void *userdata1, void *userdata2);
typedef void (*WGPURequestDeviceCallback)(WGPURequestDeviceStatus status, WGPUDevice device,
                                          WGPUStringView message, void *userdata1, void *userdata2);
typedef void (*WGPUBufferMapCallback)(WGPUMapAsyncStatus status, WGPUStringView message,
                                      void *userdata1, void *userdata2);
/* four parameters: the 3-parameter form of older headers corrupts memory */
typedef void (*WGPUQueueWorkDoneCallback)(WGPUQueueWorkDoneStatus status, WGPUStringView message,
                                          void *userdata1, void *userdata2);
typedef void (*WGPUDeviceLostCallback)(WGPUDevice const *device, WGPUDeviceLostReason reason,
                                       WGPUStringView message, void *userdata1, void *userdata2);
typedef void (*WGPUUncapturedErrorCallback)(WGPUDevice const *device, WGPUErrorType type,
                                            WGPUStringView message, void *userdata1, void *userdata2);
typedef void (*WGPUPopErrorScopeCallback)(WGPUPopErrorScopeStatus status, WGPUErrorType type,
                                          WGPUStringView message, void *userdata1, void *userdata2);

/* ---- callback infos: {nextInChain, mode, callback, userdata1, userdata2} ---- */

typedef struct WGPURequestAdapterCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUCallbackMode mode;
    WGPURequestAdapterCallback callback;
    void *userdata1;
    void *userdata2;
} WGPURequestAdapterCallbackInfo;

typedef struct WGPURequestDeviceCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUCallbackMode mode;
    WGPURequestDeviceCallback callback;
    void *userdata1;
    void *userdata2;
} WGPURequestDeviceCallbackInfo;

typedef struct WGPUBufferMapCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUCallbackMode mode;
    WGPUBufferMapCallback callback;
    void *userdata1;
    void *userdata2;
} WGPUBufferMapCallbackInfo;

typedef struct WGPUQueueWorkDoneCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUCallbackMode mode;
    WGPUQueueWorkDoneCallback callback;
    void *userdata1;
    void *userdata2;
} WGPUQueueWorkDoneCallbackInfo;

typedef struct WGPUDeviceLostCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUCallbackMode mode;
    WGPUDeviceLostCallback callback;
    void *userdata1;
    void *userdata2;
} WGPUDeviceLostCallbackInfo;

/* no mode: Dawn calls it when the error happens */
typedef struct WGPUUncapturedErrorCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUUncapturedErrorCallback callback;
    void *userdata1;
    void *userdata2;
} WGPUUncapturedErrorCallbackInfo;

typedef struct WGPUPopErrorScopeCallbackInfo {
    WGPUChainedStruct *nextInChain;
    WGPUCallbackMode mode;
    WGPUPopErrorScopeCallback callback;
    void *userdata1;
    void *userdata2;
} WGPUPopErrorScopeCallbackInfo;

/* ---- adapter and device ---- */

typedef struct WGPUAdapterInfo {
    WGPUChainedStruct *nextInChain;
    WGPUStringView vendor;          /* owned by Dawn: wgpuAdapterInfoFreeMembers */
    WGPUStringView architecture;
    WGPUStringView device;
    WGPUStringView description;
    WGPUBackendType backendType;
    WGPUAdapterType adapterType;
    uint32_t vendorID;
    uint32_t deviceID;
    uint32_t subgroupMinSize;
    uint32_t subgroupMaxSize;
} WGPUAdapterInfo;

/* bytes where the name says size, counts otherwise */
typedef struct WGPULimits {
    WGPUChainedStruct *nextInChain;
    uint32_t maxTextureDimension1D;
    uint32_t maxTextureDimension2D;
    uint32_t maxTextureDimension3D;
    uint32_t maxTextureArrayLayers;
    uint32_t maxBindGroups;
    uint32_t maxBindGroupsPlusVertexBuffers;
    uint32_t maxBindingsPerBindGroup;
    uint32_t maxDynamicUniformBuffersPerPipelineLayout;
    uint32_t maxDynamicStorageBuffersPerPipelineLayout;
    uint32_t maxSampledTexturesPerShaderStage;
    uint32_t maxSamplersPerShaderStage;
    uint32_t maxStorageBuffersPerShaderStage;
    uint32_t maxStorageTexturesPerShaderStage;
    uint32_t maxUniformBuffersPerShaderStage;
    uint64_t maxUniformBufferBindingSize;
    uint64_t maxStorageBufferBindingSize;
    uint32_t minUniformBufferOffsetAlignment;
    uint32_t minStorageBufferOffsetAlignment;
    uint32_t maxVertexBuffers;
    uint64_t maxBufferSize;
    uint32_t maxVertexAttributes;
    uint32_t maxVertexBufferArrayStride;
    uint32_t maxInterStageShaderVariables;
    uint32_t maxColorAttachments;
    uint32_t maxColorAttachmentBytesPerSample;
    uint32_t maxComputeWorkgroupStorageSize;
    uint32_t maxComputeInvocationsPerWorkgroup;
    uint32_t maxComputeWorkgroupSizeX;
    uint32_t maxComputeWorkgroupSizeY;
    uint32_t maxComputeWorkgroupSizeZ;
    uint32_t maxComputeWorkgroupsPerDimension;
    uint32_t maxImmediateSize;
} WGPULimits;

typedef struct WGPUQueueDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
} WGPUQueueDescriptor;

typedef struct WGPUDeviceDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    size_t requiredFeatureCount;
    const WGPUFeatureName *requiredFeatures;
    const WGPULimits *requiredLimits;                 /* NULL = defaults */
    WGPUQueueDescriptor defaultQueue;                 /* inline */
    WGPUDeviceLostCallbackInfo deviceLostCallbackInfo;             /* inline */
    WGPUUncapturedErrorCallbackInfo uncapturedErrorCallbackInfo;   /* inline */
} WGPUDeviceDescriptor;

/* Dawn's toggles, chained into a device descriptor (dawn.json "dawn toggles
 * descriptor"); toggle names are C strings */
typedef struct WGPUDawnTogglesDescriptor {
    WGPUChainedStruct chain;        /* sType = WGPUSType_DawnTogglesDescriptor */
    size_t enabledToggleCount;
    const char *const *enabledToggles;
    size_t disabledToggleCount;
    const char *const *disabledToggles;
} WGPUDawnTogglesDescriptor;

/* ---- resources ---- */

typedef struct WGPUBufferDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    WGPUBufferUsage usage;
    uint64_t size;                  /* bytes */
    WGPUBool mappedAtCreation;
} WGPUBufferDescriptor;

typedef struct WGPUShaderModuleDescriptor {
    WGPUChainedStruct *nextInChain; /* -> WGPUShaderSourceWGSL.chain */
    WGPUStringView label;
} WGPUShaderModuleDescriptor;

typedef struct WGPUShaderSourceWGSL {
    WGPUChainedStruct chain;        /* sType = WGPUSType_ShaderSourceWGSL */
    WGPUStringView code;
} WGPUShaderSourceWGSL;

typedef struct WGPUBufferBindingLayout {
    WGPUChainedStruct *nextInChain;
    WGPUBufferBindingType type;
    WGPUBool hasDynamicOffset;
    uint64_t minBindingSize;        /* bytes, 0 = no minimum */
} WGPUBufferBindingLayout;

/* the three non-buffer binding layouts: declared only so that
 * WGPUBindGroupLayoutEntry has its layout; we leave them zero (= not used) */
typedef struct WGPUSamplerBindingLayout {
    WGPUChainedStruct *nextInChain;
    uint32_t type;
} WGPUSamplerBindingLayout;

typedef struct WGPUTextureBindingLayout {
    WGPUChainedStruct *nextInChain;
    uint32_t sampleType;
    uint32_t viewDimension;
    WGPUBool multisampled;
} WGPUTextureBindingLayout;

typedef struct WGPUStorageTextureBindingLayout {
    WGPUChainedStruct *nextInChain;
    uint32_t access;
    uint32_t format;
    uint32_t viewDimension;
} WGPUStorageTextureBindingLayout;

typedef struct WGPUBindGroupLayoutEntry {
    WGPUChainedStruct *nextInChain;
    uint32_t binding;
    WGPUShaderStage visibility;
    uint32_t bindingArraySize;      /* 0 = not an array */
    WGPUBufferBindingLayout buffer;
    WGPUSamplerBindingLayout sampler;
    WGPUTextureBindingLayout texture;
    WGPUStorageTextureBindingLayout storageTexture;
} WGPUBindGroupLayoutEntry;

typedef struct WGPUBindGroupLayoutDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    size_t entryCount;
    const WGPUBindGroupLayoutEntry *entries;
} WGPUBindGroupLayoutDescriptor;

typedef struct WGPUPipelineLayoutDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    size_t bindGroupLayoutCount;
    const WGPUBindGroupLayout *bindGroupLayouts;
    uint32_t immediateSize;         /* bytes */
} WGPUPipelineLayoutDescriptor;

typedef struct WGPUConstantEntry {
    WGPUChainedStruct *nextInChain;
    WGPUStringView key;             /* the WGSL `override` name (or its @id) */
    double value;
} WGPUConstantEntry;

typedef struct WGPUComputeState {
    WGPUChainedStruct *nextInChain;
    WGPUShaderModule module;
    WGPUStringView entryPoint;
    size_t constantCount;
    const WGPUConstantEntry *constants;
} WGPUComputeState;

typedef struct WGPUComputePipelineDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    WGPUPipelineLayout layout;
    WGPUComputeState compute;       /* inline */
} WGPUComputePipelineDescriptor;

typedef struct WGPUBindGroupEntry {
    WGPUChainedStruct *nextInChain;
    uint32_t binding;
    WGPUBuffer buffer;
    uint64_t offset;                /* bytes */
    uint64_t size;                  /* bytes, or WGPU_WHOLE_SIZE */
    void *sampler;                  /* WGPUSampler; NULL here */
    void *textureView;              /* WGPUTextureView; NULL here */
} WGPUBindGroupEntry;

typedef struct WGPUBindGroupDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    WGPUBindGroupLayout layout;
    size_t entryCount;
    const WGPUBindGroupEntry *entries;
} WGPUBindGroupDescriptor;

/* ---- recording ---- */

typedef struct WGPUCommandEncoderDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
} WGPUCommandEncoderDescriptor;

typedef struct WGPUPassTimestampWrites {
    WGPUChainedStruct *nextInChain;
    WGPUQuerySet querySet;
    uint32_t beginningOfPassWriteIndex;
    uint32_t endOfPassWriteIndex;
} WGPUPassTimestampWrites;

typedef struct WGPUComputePassDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    const WGPUPassTimestampWrites *timestampWrites;  /* NULL = none */
} WGPUComputePassDescriptor;

typedef struct WGPUQuerySetDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
    WGPUQueryType type;
    uint32_t count;
} WGPUQuerySetDescriptor;

typedef struct WGPUCommandBufferDescriptor {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
} WGPUCommandBufferDescriptor;

/* ---- layout checks against abi-facts.md (x86_64 Linux) ---- */

#define WG_ABI_SIZE(T, n) _Static_assert(sizeof(T) == (n), #T " size")
#define WG_ABI_OFF(T, f, n) _Static_assert(offsetof(T, f) == (n), #T "." #f " offset")

WG_ABI_SIZE(WGPUStringView, 16);
WG_ABI_OFF(WGPUStringView, data, 0);
WG_ABI_OFF(WGPUStringView, length, 8);
WG_ABI_SIZE(WGPUChainedStruct, 16);
WG_ABI_OFF(WGPUChainedStruct, next, 0);
WG_ABI_OFF(WGPUChainedStruct, sType, 8);
WG_ABI_SIZE(WGPUFuture, 8);
WG_ABI_OFF(WGPUFuture, id, 0);
WG_ABI_SIZE(WGPUFutureWaitInfo, 16);
WG_ABI_OFF(WGPUFutureWaitInfo, future, 0);
WG_ABI_OFF(WGPUFutureWaitInfo, completed, 8);
WG_ABI_SIZE(WGPUInstanceCapabilities, 24);
WG_ABI_OFF(WGPUInstanceCapabilities, nextInChain, 0);
WG_ABI_OFF(WGPUInstanceCapabilities, timedWaitAnyEnable, 8);
WG_ABI_OFF(WGPUInstanceCapabilities, timedWaitAnyMaxCount, 16);
WG_ABI_SIZE(WGPUInstanceDescriptor, 32);
WG_ABI_OFF(WGPUInstanceDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUInstanceDescriptor, capabilities, 8);
WG_ABI_SIZE(WGPURequestAdapterOptions, 32);
WG_ABI_OFF(WGPURequestAdapterOptions, nextInChain, 0);
WG_ABI_OFF(WGPURequestAdapterOptions, featureLevel, 8);
WG_ABI_OFF(WGPURequestAdapterOptions, powerPreference, 12);
WG_ABI_OFF(WGPURequestAdapterOptions, forceFallbackAdapter, 16);
WG_ABI_OFF(WGPURequestAdapterOptions, backendType, 20);
WG_ABI_OFF(WGPURequestAdapterOptions, compatibleSurface, 24);

/* every *CallbackInfo with a mode: size 40, {0, 8, 16, 24, 32} */
#define WG_ABI_CALLBACK_INFO(T)              \
    WG_ABI_SIZE(T, 40);                      \
    WG_ABI_OFF(T, nextInChain, 0);           \
    WG_ABI_OFF(T, mode, 8);                  \
    WG_ABI_OFF(T, callback, 16);             \
    WG_ABI_OFF(T, userdata1, 24);            \
    WG_ABI_OFF(T, userdata2, 32)
WG_ABI_CALLBACK_INFO(WGPURequestAdapterCallbackInfo);
WG_ABI_CALLBACK_INFO(WGPURequestDeviceCallbackInfo);
WG_ABI_CALLBACK_INFO(WGPUBufferMapCallbackInfo);
WG_ABI_CALLBACK_INFO(WGPUQueueWorkDoneCallbackInfo);
WG_ABI_CALLBACK_INFO(WGPUDeviceLostCallbackInfo);
WG_ABI_CALLBACK_INFO(WGPUPopErrorScopeCallbackInfo);
WG_ABI_SIZE(WGPUUncapturedErrorCallbackInfo, 32);
WG_ABI_OFF(WGPUUncapturedErrorCallbackInfo, nextInChain, 0);
WG_ABI_OFF(WGPUUncapturedErrorCallbackInfo, callback, 8);
WG_ABI_OFF(WGPUUncapturedErrorCallbackInfo, userdata1, 16);
WG_ABI_OFF(WGPUUncapturedErrorCallbackInfo, userdata2, 24);

WG_ABI_SIZE(WGPUAdapterInfo, 96);
WG_ABI_OFF(WGPUAdapterInfo, nextInChain, 0);
WG_ABI_OFF(WGPUAdapterInfo, vendor, 8);
WG_ABI_OFF(WGPUAdapterInfo, architecture, 24);
WG_ABI_OFF(WGPUAdapterInfo, device, 40);
WG_ABI_OFF(WGPUAdapterInfo, description, 56);
WG_ABI_OFF(WGPUAdapterInfo, backendType, 72);
WG_ABI_OFF(WGPUAdapterInfo, adapterType, 76);
WG_ABI_OFF(WGPUAdapterInfo, vendorID, 80);
WG_ABI_OFF(WGPUAdapterInfo, deviceID, 84);
WG_ABI_OFF(WGPUAdapterInfo, subgroupMinSize, 88);
WG_ABI_OFF(WGPUAdapterInfo, subgroupMaxSize, 92);

WG_ABI_SIZE(WGPULimits, 152);
WG_ABI_OFF(WGPULimits, nextInChain, 0);
WG_ABI_OFF(WGPULimits, maxTextureDimension1D, 8);
WG_ABI_OFF(WGPULimits, maxTextureDimension2D, 12);
WG_ABI_OFF(WGPULimits, maxTextureDimension3D, 16);
WG_ABI_OFF(WGPULimits, maxTextureArrayLayers, 20);
WG_ABI_OFF(WGPULimits, maxBindGroups, 24);
WG_ABI_OFF(WGPULimits, maxBindGroupsPlusVertexBuffers, 28);
WG_ABI_OFF(WGPULimits, maxBindingsPerBindGroup, 32);
WG_ABI_OFF(WGPULimits, maxDynamicUniformBuffersPerPipelineLayout, 36);
WG_ABI_OFF(WGPULimits, maxDynamicStorageBuffersPerPipelineLayout, 40);
WG_ABI_OFF(WGPULimits, maxSampledTexturesPerShaderStage, 44);
WG_ABI_OFF(WGPULimits, maxSamplersPerShaderStage, 48);
WG_ABI_OFF(WGPULimits, maxStorageBuffersPerShaderStage, 52);
WG_ABI_OFF(WGPULimits, maxStorageTexturesPerShaderStage, 56);
WG_ABI_OFF(WGPULimits, maxUniformBuffersPerShaderStage, 60);
WG_ABI_OFF(WGPULimits, maxUniformBufferBindingSize, 64);
WG_ABI_OFF(WGPULimits, maxStorageBufferBindingSize, 72);
WG_ABI_OFF(WGPULimits, minUniformBufferOffsetAlignment, 80);
WG_ABI_OFF(WGPULimits, minStorageBufferOffsetAlignment, 84);
WG_ABI_OFF(WGPULimits, maxVertexBuffers, 88);
WG_ABI_OFF(WGPULimits, maxBufferSize, 96);
WG_ABI_OFF(WGPULimits, maxVertexAttributes, 104);
WG_ABI_OFF(WGPULimits, maxVertexBufferArrayStride, 108);
WG_ABI_OFF(WGPULimits, maxInterStageShaderVariables, 112);
WG_ABI_OFF(WGPULimits, maxColorAttachments, 116);
WG_ABI_OFF(WGPULimits, maxColorAttachmentBytesPerSample, 120);
WG_ABI_OFF(WGPULimits, maxComputeWorkgroupStorageSize, 124);
WG_ABI_OFF(WGPULimits, maxComputeInvocationsPerWorkgroup, 128);
WG_ABI_OFF(WGPULimits, maxComputeWorkgroupSizeX, 132);
WG_ABI_OFF(WGPULimits, maxComputeWorkgroupSizeY, 136);
WG_ABI_OFF(WGPULimits, maxComputeWorkgroupSizeZ, 140);
WG_ABI_OFF(WGPULimits, maxComputeWorkgroupsPerDimension, 144);
WG_ABI_OFF(WGPULimits, maxImmediateSize, 148);

WG_ABI_SIZE(WGPUQueueDescriptor, 24);
WG_ABI_OFF(WGPUQueueDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUQueueDescriptor, label, 8);
WG_ABI_SIZE(WGPUDeviceDescriptor, 144);
WG_ABI_OFF(WGPUDeviceDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUDeviceDescriptor, label, 8);
WG_ABI_OFF(WGPUDeviceDescriptor, requiredFeatureCount, 24);
WG_ABI_OFF(WGPUDeviceDescriptor, requiredFeatures, 32);
WG_ABI_OFF(WGPUDeviceDescriptor, requiredLimits, 40);
WG_ABI_OFF(WGPUDeviceDescriptor, defaultQueue, 48);
WG_ABI_OFF(WGPUDeviceDescriptor, deviceLostCallbackInfo, 72);
WG_ABI_OFF(WGPUDeviceDescriptor, uncapturedErrorCallbackInfo, 112);

WG_ABI_SIZE(WGPUDawnTogglesDescriptor, 48);
WG_ABI_OFF(WGPUDawnTogglesDescriptor, chain, 0);
WG_ABI_OFF(WGPUDawnTogglesDescriptor, enabledToggleCount, 16);
WG_ABI_OFF(WGPUDawnTogglesDescriptor, enabledToggles, 24);
WG_ABI_OFF(WGPUDawnTogglesDescriptor, disabledToggleCount, 32);
WG_ABI_OFF(WGPUDawnTogglesDescriptor, disabledToggles, 40);

WG_ABI_SIZE(WGPUBufferDescriptor, 48);
WG_ABI_OFF(WGPUBufferDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUBufferDescriptor, label, 8);
WG_ABI_OFF(WGPUBufferDescriptor, usage, 24);
WG_ABI_OFF(WGPUBufferDescriptor, size, 32);
WG_ABI_OFF(WGPUBufferDescriptor, mappedAtCreation, 40);
WG_ABI_SIZE(WGPUShaderModuleDescriptor, 24);
WG_ABI_OFF(WGPUShaderModuleDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUShaderModuleDescriptor, label, 8);
WG_ABI_SIZE(WGPUShaderSourceWGSL, 32);
WG_ABI_OFF(WGPUShaderSourceWGSL, chain, 0);
WG_ABI_OFF(WGPUShaderSourceWGSL, code, 16);

WG_ABI_SIZE(WGPUBufferBindingLayout, 24);
WG_ABI_OFF(WGPUBufferBindingLayout, nextInChain, 0);
WG_ABI_OFF(WGPUBufferBindingLayout, type, 8);
WG_ABI_OFF(WGPUBufferBindingLayout, hasDynamicOffset, 12);
WG_ABI_OFF(WGPUBufferBindingLayout, minBindingSize, 16);
WG_ABI_SIZE(WGPUSamplerBindingLayout, 16);
WG_ABI_OFF(WGPUSamplerBindingLayout, type, 8);
WG_ABI_SIZE(WGPUTextureBindingLayout, 24);
WG_ABI_OFF(WGPUTextureBindingLayout, sampleType, 8);
WG_ABI_OFF(WGPUTextureBindingLayout, viewDimension, 12);
WG_ABI_OFF(WGPUTextureBindingLayout, multisampled, 16);
WG_ABI_SIZE(WGPUStorageTextureBindingLayout, 24);
WG_ABI_OFF(WGPUStorageTextureBindingLayout, access, 8);
WG_ABI_OFF(WGPUStorageTextureBindingLayout, format, 12);
WG_ABI_OFF(WGPUStorageTextureBindingLayout, viewDimension, 16);
WG_ABI_SIZE(WGPUBindGroupLayoutEntry, 120);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, nextInChain, 0);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, binding, 8);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, visibility, 16);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, bindingArraySize, 24);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, buffer, 32);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, sampler, 56);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, texture, 72);
WG_ABI_OFF(WGPUBindGroupLayoutEntry, storageTexture, 96);
WG_ABI_SIZE(WGPUBindGroupLayoutDescriptor, 40);
WG_ABI_OFF(WGPUBindGroupLayoutDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUBindGroupLayoutDescriptor, label, 8);
WG_ABI_OFF(WGPUBindGroupLayoutDescriptor, entryCount, 24);
WG_ABI_OFF(WGPUBindGroupLayoutDescriptor, entries, 32);
WG_ABI_SIZE(WGPUPipelineLayoutDescriptor, 48);
WG_ABI_OFF(WGPUPipelineLayoutDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUPipelineLayoutDescriptor, label, 8);
WG_ABI_OFF(WGPUPipelineLayoutDescriptor, bindGroupLayoutCount, 24);
WG_ABI_OFF(WGPUPipelineLayoutDescriptor, bindGroupLayouts, 32);
WG_ABI_OFF(WGPUPipelineLayoutDescriptor, immediateSize, 40);
WG_ABI_SIZE(WGPUConstantEntry, 32);
WG_ABI_OFF(WGPUConstantEntry, nextInChain, 0);
WG_ABI_OFF(WGPUConstantEntry, key, 8);
WG_ABI_OFF(WGPUConstantEntry, value, 24);
WG_ABI_SIZE(WGPUComputeState, 48);
WG_ABI_OFF(WGPUComputeState, nextInChain, 0);
WG_ABI_OFF(WGPUComputeState, module, 8);
WG_ABI_OFF(WGPUComputeState, entryPoint, 16);
WG_ABI_OFF(WGPUComputeState, constantCount, 32);
WG_ABI_OFF(WGPUComputeState, constants, 40);
WG_ABI_SIZE(WGPUComputePipelineDescriptor, 80);
WG_ABI_OFF(WGPUComputePipelineDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUComputePipelineDescriptor, label, 8);
WG_ABI_OFF(WGPUComputePipelineDescriptor, layout, 24);
WG_ABI_OFF(WGPUComputePipelineDescriptor, compute, 32);
WG_ABI_SIZE(WGPUBindGroupEntry, 56);
WG_ABI_OFF(WGPUBindGroupEntry, nextInChain, 0);
WG_ABI_OFF(WGPUBindGroupEntry, binding, 8);
WG_ABI_OFF(WGPUBindGroupEntry, buffer, 16);
WG_ABI_OFF(WGPUBindGroupEntry, offset, 24);
WG_ABI_OFF(WGPUBindGroupEntry, size, 32);
WG_ABI_OFF(WGPUBindGroupEntry, sampler, 40);
WG_ABI_OFF(WGPUBindGroupEntry, textureView, 48);
WG_ABI_SIZE(WGPUBindGroupDescriptor, 48);
WG_ABI_OFF(WGPUBindGroupDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUBindGroupDescriptor, label, 8);
WG_ABI_OFF(WGPUBindGroupDescriptor, layout, 24);
WG_ABI_OFF(WGPUBindGroupDescriptor, entryCount, 32);
WG_ABI_OFF(WGPUBindGroupDescriptor, entries, 40);

WG_ABI_SIZE(WGPUCommandEncoderDescriptor, 24);
WG_ABI_OFF(WGPUCommandEncoderDescriptor, label, 8);
WG_ABI_SIZE(WGPUPassTimestampWrites, 24);
WG_ABI_OFF(WGPUPassTimestampWrites, nextInChain, 0);
WG_ABI_OFF(WGPUPassTimestampWrites, querySet, 8);
WG_ABI_OFF(WGPUPassTimestampWrites, beginningOfPassWriteIndex, 16);
WG_ABI_OFF(WGPUPassTimestampWrites, endOfPassWriteIndex, 20);
WG_ABI_SIZE(WGPUComputePassDescriptor, 32);
WG_ABI_OFF(WGPUComputePassDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUComputePassDescriptor, label, 8);
WG_ABI_OFF(WGPUComputePassDescriptor, timestampWrites, 24);
WG_ABI_SIZE(WGPUQuerySetDescriptor, 32);
WG_ABI_OFF(WGPUQuerySetDescriptor, nextInChain, 0);
WG_ABI_OFF(WGPUQuerySetDescriptor, label, 8);
WG_ABI_OFF(WGPUQuerySetDescriptor, type, 24);
WG_ABI_OFF(WGPUQuerySetDescriptor, count, 28);
WG_ABI_SIZE(WGPUCommandBufferDescriptor, 24);
WG_ABI_OFF(WGPUCommandBufferDescriptor, label, 8);

_Static_assert(sizeof(WGPUBackendType) == 4 && sizeof(WGPUCallbackMode) == 4, "enums are 32-bit");

/* ---- function-pointer types: one per C function we call (dawn.json) ---- */

typedef WGPUInstance (*WGPUProcCreateInstance)(const WGPUInstanceDescriptor *descriptor);
typedef void (*WGPUProcInstanceRelease)(WGPUInstance instance);
typedef void (*WGPUProcInstanceProcessEvents)(WGPUInstance instance);
typedef WGPUWaitStatus (*WGPUProcInstanceWaitAny)(WGPUInstance instance, size_t futureCount,
                                                  WGPUFutureWaitInfo *futures, uint64_t timeoutNS);
typedef WGPUFuture (*WGPUProcInstanceRequestAdapter)(WGPUInstance instance,
                                                     const WGPURequestAdapterOptions *options,
                                                     WGPURequestAdapterCallbackInfo callbackInfo);

typedef WGPUStatus (*WGPUProcAdapterGetInfo)(WGPUAdapter adapter, WGPUAdapterInfo *info);
typedef void (*WGPUProcAdapterInfoFreeMembers)(WGPUAdapterInfo info);

/* Dawn's memory heaps (dawn.json "adapter properties memory heaps", chained
 * into WGPUAdapterInfo when the adapter has the feature; freed with
 * wgpuAdapterPropertiesMemoryHeapsFreeMembers). Layout from dawn.json's member
 * lists on LP64: a chain (16), size_t (8), pointer (8); heap info: flags (8),
 * uint64 (8). */
#define WGPUHeapProperty_DeviceLocal 0x1u
typedef struct WGPUMemoryHeapInfo {
    uint64_t properties;            /* WGPUHeapProperty flags */
    uint64_t size;                  /* bytes */
} WGPUMemoryHeapInfo;
typedef struct WGPUAdapterPropertiesMemoryHeaps {
    WGPUChainedStruct chain;        /* sType = WGPUSType_AdapterPropertiesMemoryHeaps */
    size_t heapCount;
    const WGPUMemoryHeapInfo *heapInfo;
} WGPUAdapterPropertiesMemoryHeaps;
_Static_assert(sizeof(WGPUMemoryHeapInfo) == 16, "WGPUMemoryHeapInfo");
_Static_assert(sizeof(WGPUAdapterPropertiesMemoryHeaps) == 32, "WGPUAdapterPropertiesMemoryHeaps");
typedef void (*WGPUProcAdapterPropertiesMemoryHeapsFreeMembers)(WGPUAdapterPropertiesMemoryHeaps value);

/* Dawn's experimental subgroup matrices (dawn.json "subgroup matrix config",
 * "adapter properties subgroup matrix configs", chained into WGPUAdapterInfo;
 * freed with wgpuAdapterPropertiesSubgroupMatrixConfigsFreeMembers). The
 * configurations (component type, result type, M, N, K) the adapter can
 * multiply; component types: 1 f32, 2 f16, 3 u32, 4 i32 (dawn.json
 * "subgroup matrix component type"). LP64: 5 x 4 bytes; chain (16), size_t, pointer. */
typedef struct WGPUSubgroupMatrixConfig {
    uint32_t componentType;
    uint32_t resultComponentType;
    uint32_t M, N, K;
} WGPUSubgroupMatrixConfig;
typedef struct WGPUAdapterPropertiesSubgroupMatrixConfigs {
    WGPUChainedStruct chain;        /* sType = WGPUSType_AdapterPropertiesSubgroupMatrixConfigs */
    size_t configCount;
    const WGPUSubgroupMatrixConfig *configs;
} WGPUAdapterPropertiesSubgroupMatrixConfigs;
_Static_assert(sizeof(WGPUSubgroupMatrixConfig) == 20, "WGPUSubgroupMatrixConfig");
_Static_assert(sizeof(WGPUAdapterPropertiesSubgroupMatrixConfigs) == 32, "WGPUAdapterPropertiesSubgroupMatrixConfigs");
typedef void (*WGPUProcAdapterPropertiesSubgroupMatrixConfigsFreeMembers)(
    WGPUAdapterPropertiesSubgroupMatrixConfigs value);
typedef WGPUStatus (*WGPUProcAdapterGetLimits)(WGPUAdapter adapter, WGPULimits *limits);
typedef WGPUBool (*WGPUProcAdapterHasFeature)(WGPUAdapter adapter, WGPUFeatureName feature);
typedef WGPUFuture (*WGPUProcAdapterRequestDevice)(WGPUAdapter adapter, const WGPUDeviceDescriptor *descriptor,
                                                   WGPURequestDeviceCallbackInfo callbackInfo);
typedef void (*WGPUProcAdapterRelease)(WGPUAdapter adapter);

typedef WGPUQueue (*WGPUProcDeviceGetQueue)(WGPUDevice device);
typedef WGPUStatus (*WGPUProcDeviceGetLimits)(WGPUDevice device, WGPULimits *limits);
typedef WGPUBool (*WGPUProcDeviceHasFeature)(WGPUDevice device, WGPUFeatureName feature);
typedef WGPUBuffer (*WGPUProcDeviceCreateBuffer)(WGPUDevice device, const WGPUBufferDescriptor *descriptor);
typedef WGPUShaderModule (*WGPUProcDeviceCreateShaderModule)(WGPUDevice device,
                                                             const WGPUShaderModuleDescriptor *descriptor);
typedef WGPUBindGroupLayout (*WGPUProcDeviceCreateBindGroupLayout)(
    WGPUDevice device, const WGPUBindGroupLayoutDescriptor *descriptor);
typedef WGPUPipelineLayout (*WGPUProcDeviceCreatePipelineLayout)(WGPUDevice device,
                                                                 const WGPUPipelineLayoutDescriptor *descriptor);
typedef WGPUComputePipeline (*WGPUProcDeviceCreateComputePipeline)(
    WGPUDevice device, const WGPUComputePipelineDescriptor *descriptor);
typedef WGPUBindGroup (*WGPUProcDeviceCreateBindGroup)(WGPUDevice device, const WGPUBindGroupDescriptor *descriptor);
typedef WGPUCommandEncoder (*WGPUProcDeviceCreateCommandEncoder)(WGPUDevice device,
                                                                 const WGPUCommandEncoderDescriptor *descriptor);
typedef WGPUQuerySet (*WGPUProcDeviceCreateQuerySet)(WGPUDevice device, const WGPUQuerySetDescriptor *descriptor);
typedef void (*WGPUProcDevicePushErrorScope)(WGPUDevice device, WGPUErrorFilter filter);
typedef WGPUFuture (*WGPUProcDevicePopErrorScope)(WGPUDevice device, WGPUPopErrorScopeCallbackInfo callbackInfo);
typedef void (*WGPUProcDeviceDestroy)(WGPUDevice device);
typedef void (*WGPUProcDeviceRelease)(WGPUDevice device);

typedef void (*WGPUProcQueueSubmit)(WGPUQueue queue, size_t commandCount, const WGPUCommandBuffer *commands);
typedef void (*WGPUProcQueueWriteBuffer)(WGPUQueue queue, WGPUBuffer buffer, uint64_t bufferOffset,
                                         const void *data, size_t size);
typedef WGPUFuture (*WGPUProcQueueOnSubmittedWorkDone)(WGPUQueue queue, WGPUQueueWorkDoneCallbackInfo callbackInfo);
typedef void (*WGPUProcQueueRelease)(WGPUQueue queue);

typedef WGPUFuture (*WGPUProcBufferMapAsync)(WGPUBuffer buffer, WGPUMapMode mode, size_t offset, size_t size,
                                             WGPUBufferMapCallbackInfo callbackInfo);
typedef const void *(*WGPUProcBufferGetConstMappedRange)(WGPUBuffer buffer, size_t offset, size_t size);
typedef void (*WGPUProcBufferUnmap)(WGPUBuffer buffer);
typedef void (*WGPUProcBufferRelease)(WGPUBuffer buffer);

typedef void (*WGPUProcShaderModuleRelease)(WGPUShaderModule shaderModule);
typedef void (*WGPUProcBindGroupLayoutRelease)(WGPUBindGroupLayout bindGroupLayout);
typedef void (*WGPUProcPipelineLayoutRelease)(WGPUPipelineLayout pipelineLayout);
typedef void (*WGPUProcComputePipelineRelease)(WGPUComputePipeline computePipeline);
typedef void (*WGPUProcBindGroupRelease)(WGPUBindGroup bindGroup);

typedef WGPUComputePassEncoder (*WGPUProcCommandEncoderBeginComputePass)(
    WGPUCommandEncoder commandEncoder, const WGPUComputePassDescriptor *descriptor);
typedef void (*WGPUProcCommandEncoderCopyBufferToBuffer)(WGPUCommandEncoder commandEncoder, WGPUBuffer source,
                                                         uint64_t sourceOffset, WGPUBuffer destination,
                                                         uint64_t destinationOffset, uint64_t size);
typedef void (*WGPUProcCommandEncoderResolveQuerySet)(WGPUCommandEncoder commandEncoder, WGPUQuerySet querySet,
                                                      uint32_t firstQuery, uint32_t queryCount,
                                                      WGPUBuffer destination, uint64_t destinationOffset);
typedef WGPUCommandBuffer (*WGPUProcCommandEncoderFinish)(WGPUCommandEncoder commandEncoder,
                                                          const WGPUCommandBufferDescriptor *descriptor);
typedef void (*WGPUProcCommandEncoderRelease)(WGPUCommandEncoder commandEncoder);

typedef void (*WGPUProcComputePassEncoderSetPipeline)(WGPUComputePassEncoder pass, WGPUComputePipeline pipeline);
typedef void (*WGPUProcComputePassEncoderSetBindGroup)(WGPUComputePassEncoder pass, uint32_t groupIndex,
                                                       WGPUBindGroup group, size_t dynamicOffsetCount,
                                                       const uint32_t *dynamicOffsets);
typedef void (*WGPUProcComputePassEncoderDispatchWorkgroups)(WGPUComputePassEncoder pass, uint32_t workgroupCountX,
                                                             uint32_t workgroupCountY, uint32_t workgroupCountZ);
typedef void (*WGPUProcComputePassEncoderEnd)(WGPUComputePassEncoder pass);
typedef void (*WGPUProcComputePassEncoderRelease)(WGPUComputePassEncoder pass);

typedef void (*WGPUProcCommandBufferRelease)(WGPUCommandBuffer commandBuffer);
typedef void (*WGPUProcQuerySetDestroy)(WGPUQuerySet querySet);
typedef void (*WGPUProcQuerySetRelease)(WGPUQuerySet querySet);

#endif
