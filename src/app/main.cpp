#include <cstdio>
int main() { std::puts("iorec"); return 0; }
