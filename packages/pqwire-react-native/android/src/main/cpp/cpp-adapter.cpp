// JNI entry of the Android module: installs the JSI module in the runtime whose address
// PqwireReactNativeModule.install() passes (the JavaScript thread holds it then).
#include <jni.h>
#include <jsi/jsi.h>

#include "PqwireHostObject.h"

extern "C" JNIEXPORT jboolean JNICALL Java_com_pqwire_reactnative_PqwireReactNativeModule_nativeInstall(JNIEnv*, jclass,
                                                                                                      jlong runtime) {
  if (runtime == 0) return JNI_FALSE;
  auto* rt = reinterpret_cast<facebook::jsi::Runtime*>(runtime);
  return pqwire::installPqwire(*rt) ? JNI_TRUE : JNI_FALSE;
}
